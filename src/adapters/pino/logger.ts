import pino, { type DestinationStream, type Level } from 'pino';
import type { LogFields, Logger } from '../../ports/logger';
import { redactFields, redactText } from './redact';

/** The Logger port on pino: JSON lines, ISO times, level names, every field redacted first. */

export interface PinoLoggerOptions {
  /** trace, debug, info (default), warn, error, fatal or silent. */
  readonly level?: string;
  /** A stream, a file descriptor, or a file path; standard output when absent. */
  readonly destination?: DestinationStream | number | string;
  /** Fields on every line (e.g. the service name). */
  readonly base?: LogFields;
}

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

const destinationOf = (destination: PinoLoggerOptions['destination']): DestinationStream | undefined => {
  if (destination === undefined) return undefined;
  if (typeof destination === 'number' || typeof destination === 'string')
    return pino.destination({ dest: destination, mkdir: true, sync: false });
  return destination;
};

const wrap = (p: pino.Logger): Logger => {
  const at =
    (level: Level) =>
    (message: string, fields?: LogFields): void => {
      if (!p.isLevelEnabled(level)) return;
      p[level](fields === undefined ? {} : redactFields(fields), redactText(message));
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => wrap(p.child(redactFields(fields))),
  };
};

export const createPinoLogger = (options: PinoLoggerOptions = {}): Logger => {
  const level = options.level ?? 'info';
  if (!LEVELS.has(level)) throw new Error(`unknown log level: ${level}`);
  const root = pino(
    {
      level,
      base: { pid: process.pid, ...(options.base === undefined ? {} : redactFields(options.base)) },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destinationOf(options.destination),
  );
  return wrap(root);
};
