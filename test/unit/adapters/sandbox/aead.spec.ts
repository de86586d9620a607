import { createDecipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { aeadDecrypt, aeadEncrypt } from '../../../../src/adapters/sandbox/protocol/aead';

/**
 * Reference §4, §9 vector 3: AEAD_AES_256_GCM against the public vector (test/vectors, with its
 * provenance), and against a decryption written here from the byte rules.
 */

interface Vector {
  readonly key: string;
  readonly nonce: string;
  readonly associated_data: string;
  readonly plaintext: string;
  readonly ciphertext_base64: string;
}

const vector = JSON.parse(
  readFileSync(join(__dirname, '../../../vectors/aead-aes-256-gcm.json'), 'utf8'),
) as Vector;

/** The test's own reading of §4: the last 16 bytes are the tag, the rest ciphertext. */
const decryptByTheRules = (key: string, nonce: string, aad: string, base64: string): string => {
  const all = Buffer.from(base64, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(key), Buffer.from(nonce));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(all.subarray(all.length - 16));
  return Buffer.concat([decipher.update(all.subarray(0, all.length - 16)), decipher.final()]).toString(
    'utf8',
  );
};

describe('AEAD_AES_256_GCM', () => {
  it('encrypts the public vector to its exact ciphertext', () => {
    expect(aeadEncrypt(Buffer.from(vector.key), vector.nonce, vector.associated_data, vector.plaintext)).toBe(
      vector.ciphertext_base64,
    );
  });

  it('decrypts the public vector', () => {
    expect(
      aeadDecrypt(Buffer.from(vector.key), vector.nonce, vector.associated_data, vector.ciphertext_base64),
    ).toBe(vector.plaintext);
  });

  it('produces what an independent decryption reads back, for a long plaintext', () => {
    const plaintext = '-----BEGIN CERTIFICATE-----\n'.repeat(40);
    const ciphertext = aeadEncrypt(Buffer.from(vector.key), 'abcdefghijkl', 'certificate', plaintext);
    expect(decryptByTheRules(vector.key, 'abcdefghijkl', 'certificate', ciphertext)).toBe(plaintext);
  });

  it('cannot be decrypted with other associated data', () => {
    const ciphertext = aeadEncrypt(Buffer.from(vector.key), vector.nonce, 'refund', 'x');
    expect(() => decryptByTheRules(vector.key, vector.nonce, 'certificate', ciphertext)).toThrow();
  });
});
