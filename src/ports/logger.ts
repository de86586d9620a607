/**
 * Structured logging. Adapters must redact secrets (keys, auth codes, tokens) whatever the
 * caller passes; callers must still never pass them.
 */
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  readonly debug: (message: string, fields?: LogFields) => void;
  readonly info: (message: string, fields?: LogFields) => void;
  readonly warn: (message: string, fields?: LogFields) => void;
  readonly error: (message: string, fields?: LogFields) => void;
  readonly child: (fields: LogFields) => Logger;
}
