import { createCipheriv, createDecipheriv } from 'node:crypto';
import * as E from 'fp-ts/Either';

/**
 * AEAD_AES_256_GCM as WeChat uses it for certificates and notification resources (reference §4):
 * key = the APIv3 key's 32 ASCII bytes, IV = the 12-character nonce, AAD = `associated_data`
 * (may be empty), `ciphertext` = Base64 of the GCM ciphertext followed by the 16-byte tag.
 */

const TAG_LENGTH = 16;
const NONCE_LENGTH = 12;
export const APIV3_KEY_LENGTH = 32;

export interface AeadInput {
  readonly nonce: string;
  readonly associatedData: string;
  readonly ciphertext: string;
}

export type AeadError = { readonly _tag: 'AeadError'; readonly message: string };

const fail = (message: string): E.Either<AeadError, never> => E.left({ _tag: 'AeadError', message });

const keyBytes = (apiV3Key: string): Buffer => Buffer.from(apiV3Key, 'utf8');

export const isValidApiV3Key = (apiV3Key: string): boolean =>
  /^[\x21-\x7e]*$/.test(apiV3Key) && keyBytes(apiV3Key).length === APIV3_KEY_LENGTH;

export const decryptAead = (apiV3Key: string, input: AeadInput): E.Either<AeadError, string> => {
  const key = keyBytes(apiV3Key);
  if (key.length !== APIV3_KEY_LENGTH) return fail('the APIv3 key is not 32 bytes');
  const iv = Buffer.from(input.nonce, 'utf8');
  if (iv.length !== NONCE_LENGTH) return fail(`nonce must be ${NONCE_LENGTH} bytes, got ${iv.length}`);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(input.ciphertext)) return fail('ciphertext is not Base64');
  const data = Buffer.from(input.ciphertext, 'base64');
  if (data.length < TAG_LENGTH) return fail('ciphertext is shorter than the GCM tag');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LENGTH });
    decipher.setAAD(Buffer.from(input.associatedData, 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - TAG_LENGTH));
    const plain = Buffer.concat([
      decipher.update(data.subarray(0, data.length - TAG_LENGTH)),
      decipher.final(),
    ]);
    return E.right(plain.toString('utf8'));
  } catch {
    // Node throws "Unsupported state or unable to authenticate data" for any tag mismatch.
    return fail('authentication failed (wrong key, nonce, associated data or tampered ciphertext)');
  }
};

/** The inverse, deterministic for a given nonce; used by tests and local tools, never by the client. */
export const encryptAead = (
  apiV3Key: string,
  nonce: string,
  associatedData: string,
  plaintext: string,
): string => {
  const cipher = createCipheriv('aes-256-gcm', keyBytes(apiV3Key), Buffer.from(nonce, 'utf8'), {
    authTagLength: TAG_LENGTH,
  });
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(Buffer.from(plaintext, 'utf8')), cipher.final()]);
  return Buffer.concat([body, cipher.getAuthTag()]).toString('base64');
};
