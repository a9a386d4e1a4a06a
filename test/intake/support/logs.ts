import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger, type Logger } from '../../../src/logger';

/** The project's logger (same format and redaction), writing JSON lines into an array the test reads. */
export function capturingLogger(level: 'debug' | 'info' = 'debug'): { logger: Logger; lines: string[]; entries: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const logger = createLogger({ log: { level, format: 'json' } });
  logger.clear();
  logger.add(
    new winston.transports.Stream({
      stream: new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk).trim());
          done();
        },
      }),
    }),
  );
  return { logger, lines, entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}
