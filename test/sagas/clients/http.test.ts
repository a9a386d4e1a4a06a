import nock from 'nock';
import { ApplicationFailure } from '@temporalio/common';
import { HttpClient, retryAfterMs } from '../../../sagas/clients/http';

/**
 * How the HTTP client under every downstream classifies trouble: a refusal is final, an unavailable
 * downstream is retried after Retry-After or the backoff until the outage horizon runs out.
 */
const BASE = 'http://api.test';
const outage = { horizonMs: 60_000, initialDelayMs: 1_000, maxDelayMs: 8_000 };

function client(attempt: number, startedAgoMs = 0) {
  return new HttpClient({ baseUrl: BASE, service: 'turvo', outage, attempt: () => ({ attempt, firstScheduledMs: Date.now() - startedAgoMs }) });
}

async function failure(call: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

it('a 4xx refusal is non-retryable DownstreamRefused', async () => {
  nock(BASE).put('/x').reply(422, { error: 'invalid' });
  const err = await failure(client(1).put('/x', { body: {} }));
  expect([err.type, err.nonRetryable]).toEqual(['DownstreamRefused', true]);
});

it.each([500, 503, 408, 409, 429])('a %i is a retryable DownstreamUnavailable with the backoff as its next retry delay', async (status) => {
  nock(BASE).put('/x').reply(status);
  const err = await failure(client(3).put('/x', { body: {} }));
  expect([err.type, err.nonRetryable, err.nextRetryDelay]).toEqual(['DownstreamUnavailable', false, 4_000]);
  expect(err.details?.[0]).toMatchObject({ service: 'turvo', status, nextTryAt: expect.any(String) });
});

it('the backoff stops growing at its maximum', async () => {
  nock(BASE).get('/x').reply(502);
  expect((await failure(client(10).get('/x'))).nextRetryDelay).toBe(8_000);
});

it('Retry-After in seconds or as a date is the next retry delay', async () => {
  nock(BASE).get('/x').reply(429, '', { 'retry-after': '7' });
  expect((await failure(client(1).get('/x'))).nextRetryDelay).toBe(7_000);
  expect(retryAfterMs(new Date(Date.now() + 30_000).toUTCString())).toBeGreaterThan(28_000);
  expect(retryAfterMs('soon')).toBeUndefined();
});

it('a network error is unavailable too', async () => {
  nock(BASE).get('/x').replyWithError('connect ECONNREFUSED');
  const err = await failure(client(1).get('/x'));
  expect([err.type, err.nonRetryable]).toEqual(['DownstreamUnavailable', false]);
  expect(err.message).toContain('ECONNREFUSED');
});

it('once the next try would fall past the horizon, it gives up: non-retryable, saying so', async () => {
  nock(BASE).get('/x').reply(503);
  const err = await failure(client(12, 59_000).get('/x'));
  expect([err.type, err.nonRetryable]).toEqual(['DownstreamUnavailable', true]);
  expect(err.message).toContain('outage horizon 60 s');
  nock(BASE).get('/x').reply(429, '', { 'retry-after': '120' });
  expect((await failure(client(1).get('/x'))).nonRetryable).toBe(true);
});
