export { createPinoLogger } from './logger';
export type { PinoLoggerOptions } from './logger';
export { REDACTED, isSecretKey, redactText } from './redact';
