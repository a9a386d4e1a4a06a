import nock from 'nock';

/** Downstream base URLs used by tests; nock answers for them (activities' outbound HTTP only). */
export const DOWNSTREAM_ENV = {
  TURVO_API_URL: 'http://turvo.test/v1',
  FRONT_API_URL: 'http://front.test',
  SAMSARA_API_URL: 'http://samsara.test',
  RECORDS_API_URL: 'http://records.test',
  NOTIFY_API_URL: 'http://notify.test',
} as const;

export interface RecordedCall {
  method: string;
  url: string;
  idempotencyKey?: string;
  body?: unknown;
}

/**
 * Happy-path downstream for the route-stop saga, recording every call in order. Persisted, so a
 * test may run several sagas against it; `calls` is what the tests assert on.
 */
export function happyDownstream(): { calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const record = (scope: nock.Scope) =>
    scope.on('request', (req: { method: string; path: string; headers: Record<string, string> }, _interceptor: unknown, body: string) => {
      calls.push({ method: req.method, url: req.path, idempotencyKey: req.headers['idempotency-key'], body: body ? JSON.parse(body) : undefined });
    });
  record(
    nock(DOWNSTREAM_ENV.RECORDS_API_URL)
      .persist()
      .get(/\/shipments\/[^/]+\/links/)
      .reply(200, (uri) => ({
        shipmentId: uri.split('/')[2],
        frontConversationId: 'cnv_55c8c149',
        customerContact: { name: 'Dana Reyes', email: 'dana@customer.test' },
      })),
  );
  record(
    nock(DOWNSTREAM_ENV.TURVO_API_URL)
      .persist()
      .put(/\/shipments\/[^/]+\/stops\/[^/]+\/status/)
      .reply(200, (_uri, body) => ({ previous: { code: { key: '2101', value: 'En route' } }, current: body })),
  );
  record(nock(DOWNSTREAM_ENV.FRONT_API_URL).persist().post(/\/conversations\/[^/]+\/comments/).reply(201, { id: 'com_1a2b3c', body: 'ok' }));
  record(nock(DOWNSTREAM_ENV.NOTIFY_API_URL).persist().post('/messages').reply(202, { id: 'msg_9f8e' }));
  return { calls };
}
