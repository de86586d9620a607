import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AEAD_AES_256_GCM as WeChat Pay uses it (reference §4): key = APIv3 key bytes, IV = the 12 ASCII
 * characters of `nonce`, AAD = `associated_data`, Base64 of ciphertext followed by the 16-byte tag.
 */

export interface EncryptedResource {
  readonly algorithm: 'AEAD_AES_256_GCM';
  readonly ciphertext: string;
  readonly associated_data: string;
  readonly nonce: string;
}

const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

// Every signed answer needs a fresh nonce: one CSPRNG call per 4 KiB of nonces, not per nonce.
const POOL_BYTES = 4096;
let pool = randomBytes(POOL_BYTES);
let poolOffset = 0;

export const randomAlphanumeric = (length: number): string => {
  if (length > POOL_BYTES) {
    return Array.from(randomBytes(length), (b) => NONCE_ALPHABET[b % NONCE_ALPHABET.length]).join('');
  }
  if (poolOffset + length > POOL_BYTES) {
    pool = randomBytes(POOL_BYTES);
    poolOffset = 0;
  }
  let text = '';
  for (let i = poolOffset; i < poolOffset + length; i += 1) {
    text += NONCE_ALPHABET.charAt((pool[i] ?? 0) % NONCE_ALPHABET.length);
  }
  poolOffset += length;
  return text;
};

export const aeadEncrypt = (
  key: Buffer,
  nonce: string,
  associatedData: string,
  plaintext: string,
): string => {
  const cipher = createCipheriv('aes-256-gcm', key, Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([body, cipher.getAuthTag()]).toString('base64');
};

/** Throws on a wrong key, nonce, AAD or tampered text: only the sandbox's own tests call it. */
export const aeadDecrypt = (
  key: Buffer,
  nonce: string,
  associatedData: string,
  ciphertextBase64: string,
): string => {
  const all = Buffer.from(ciphertextBase64, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'utf8'));
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(all.subarray(all.length - 16));
  return Buffer.concat([decipher.update(all.subarray(0, all.length - 16)), decipher.final()]).toString(
    'utf8',
  );
};

export const encryptResource = (
  key: Buffer,
  associatedData: string,
  plaintext: string,
): EncryptedResource => {
  const nonce = randomAlphanumeric(12);
  return {
    algorithm: 'AEAD_AES_256_GCM',
    ciphertext: aeadEncrypt(key, nonce, associatedData, plaintext),
    associated_data: associatedData,
    nonce,
  };
};
