import { Client, Connection, type ClientPlugin, type ConnectionOptions } from '@temporalio/client';
import type { AppConfig } from '../config';
import { dataConverter } from '../temporal/codec';

/** gRPC status INVALID_ARGUMENT: Temporal will refuse this exact request every time. */
const INVALID_ARGUMENT = 3;

/**
 * Connection options for the receiver and the forwarder.
 * - No gRPC retry interceptor: the SDK's default retries an unreachable server until the deadline,
 *   which would spend a delivery's whole start budget on a Temporal that is down. Here a failed
 *   start falls back to the outbox at once, and the forwarder retries with its own backoff. (The
 *   default interceptor also leaves retry timers behind that throw once the connection is closed.)
 * - After an outage gRPC reconnects with exponential backoff, by default up to two minutes between
 *   tries; capping it keeps the outbox drain from starting long after Temporal is back.
 */
export function temporalConnectionOptions(config: Pick<AppConfig, 'temporal'>): ConnectionOptions {
  return {
    ...config.temporal.connection,
    interceptors: [],
    channelArgs: { 'grpc.initial_reconnect_backoff_ms': 250, 'grpc.max_reconnect_backoff_ms': 2000 },
  };
}

/**
 * A client whose connection is made on first use, so the receiver starts (and queues deliveries)
 * while Temporal is down.
 */
export function lazyTemporalClient(config: Pick<AppConfig, 'temporal'>, plugins: ClientPlugin[] = []): { client: Client; connection: Connection } {
  const connection = Connection.lazy(temporalConnectionOptions(config));
  const converter = dataConverter(config.temporal.payloadKeys);
  return { client: new Client({ connection, namespace: config.temporal.namespace, plugins, ...(converter ? { dataConverter: converter } : {}) }), connection };
}

/** The gRPC status code carried by an error from the Temporal client (or one of its causes). */
export function grpcCode(err: unknown): number | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'number') return e.code;
  }
  return undefined;
}

const GRPC_STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

/** The name of a gRPC status code (3 → INVALID_ARGUMENT), for dead letters and logs. */
export function grpcStatusName(code: number): string {
  return GRPC_STATUS_NAMES[code] ?? `GRPC_${code}`;
}

/** True when retrying cannot help: the request itself is invalid (e.g. a search attribute value too long). */
export function isRefusedForGood(err: unknown): boolean {
  return grpcCode(err) === INVALID_ARGUMENT;
}
