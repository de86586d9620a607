import type { LogFields, Logger } from '../../ports/logger';
import { redactFields, redactText } from './redact';

/**
 * The Logger port with no dependency: warnings and errors as JSON lines on standard error, redacted
 * like the pino logger's; debug and info are dropped. It is the embedded core's default, so a
 * platform that passes no logger still sees a saga that needs review, without loading pino.
 */
export const createStderrLogger = (
  base: LogFields = {},
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger => {
  const at =
    (level: 'warn' | 'error') =>
    (message: string, fields?: LogFields): void =>
      write(
        `${JSON.stringify({
          level,
          time: new Date().toISOString(),
          ...redactFields(base),
          ...(fields === undefined ? {} : redactFields(fields)),
          msg: redactText(message),
        })}\n`,
      );
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: at('warn'),
    error: at('error'),
    child: (fields) => createStderrLogger({ ...base, ...fields }, write),
  };
};
