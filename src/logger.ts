import winston from 'winston';
import type { AppConfig } from './config';

export type Logger = winston.Logger;

/**
 * Field names whose values are never written. Only an entry's top-level fields are checked (nested
 * objects are not walked), so log calls pass flat metadata (source, event key, workflow id), never a
 * body, headers or any other object from outside.
 */
const REDACTED_KEYS = /secret|token|password|authorization|signature|api[-_]?key|cookie/i;

const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (REDACTED_KEYS.test(key)) info[key] = '[redacted]';
  }
  return info;
});

export function createLogger(config: Pick<AppConfig, 'log'>, defaultMeta: Record<string, unknown> = {}): Logger {
  const pretty = winston.format.combine(
    winston.format.colorize(),
    winston.format.printf(({ level, message, timestamp, ...meta }) => {
      const fields = Object.entries(meta)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      return `${String(timestamp)} ${level} ${String(message)}${fields ? ` ${fields}` : ''}`;
    }),
  );
  const logger: Logger = winston.createLogger({
    level: config.log.level,
    defaultMeta,
    format: winston.format.combine(
      // First: winston formats every entry before its transports drop the levels they do not
      // write, and a delivery's info lines are most of its logging cost when they are not wanted.
      winston.format((info) => logger.isLevelEnabled(info.level) && info)(),
      redact(),
      winston.format.timestamp(),
      winston.format.errors({ stack: false }),
      config.log.format === 'pretty' ? pretty : winston.format.json(),
    ),
    transports: [new winston.transports.Console()],
  });
  return logger;
}

/** A logger that writes nothing, for tests that do not look at logs. */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
