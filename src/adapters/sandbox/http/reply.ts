import type { SignatureMode } from '../protocol/sign';

/** What an endpoint answers; the server turns it into bytes, signs it and applies faults. */
export interface Reply {
  readonly status: number;
  readonly body: Buffer;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** How the answer is signed (§3); control-API answers are never signed. */
  readonly signature: SignatureMode;
  /** Signed instead of the body: statements sign `{"sha1":"…"}` (§3). */
  readonly signedText?: Buffer;
  /** Scenario: never answer; the connection is held until the client gives up. */
  readonly hang?: boolean;
  /** The control-API fault that made this answer, for the call record. */
  readonly fault?: 'reverse-error' | 'reverse-hang' | 'refund-refusal';
}

export const jsonReply = (status: number, value: unknown, signature: SignatureMode = 'valid'): Reply => ({
  status,
  body: Buffer.from(JSON.stringify(value)),
  contentType: 'application/json',
  signature,
});

export const noContent = (): Reply => ({ status: 204, body: Buffer.alloc(0), signature: 'valid' });

export interface ErrorDetail {
  readonly field?: string;
  readonly value?: unknown;
  readonly issue: string;
  readonly location: 'body' | 'query' | 'path' | 'authorization';
}

/** The error body of every non-2xx answer (reference §1): code, message, optional detail. */
export const errorReply = (status: number, code: string, message: string, detail?: ErrorDetail): Reply =>
  jsonReply(status, detail === undefined ? { code, message } : { code, message, detail });

export const notFound = (message = 'order does not exist'): Reply =>
  errorReply(404, 'ORDER_NOT_EXIST', message);
