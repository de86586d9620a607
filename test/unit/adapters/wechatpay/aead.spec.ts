import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/Either';
import { decryptAead, encryptAead, isValidApiV3Key } from '../../../../src/adapters/wechatpay/aead';

// A public vector kept in the repository with its provenance (test/vectors/README.md).
const vector = JSON.parse(
  readFileSync(join(__dirname, '../../../vectors/aead-aes-256-gcm.json'), 'utf8'),
) as {
  key: string;
  nonce: string;
  associated_data: string;
  plaintext: string;
  ciphertext_base64: string;
};

describe('AEAD_AES_256_GCM (reference §4)', () => {
  it('decrypts the public wechatpay-java vector', () => {
    const out = decryptAead(vector.key, {
      nonce: vector.nonce,
      associatedData: vector.associated_data,
      ciphertext: vector.ciphertext_base64,
    });
    expect(out).toEqual(E.right(vector.plaintext));
  });

  it('reproduces the vector ciphertext exactly when encrypting', () => {
    expect(encryptAead(vector.key, vector.nonce, vector.associated_data, vector.plaintext)).toBe(
      vector.ciphertext_base64,
    );
  });

  const decryptWith = (change: Partial<{ key: string; nonce: string; aad: string; ciphertext: string }>) =>
    decryptAead(change.key ?? vector.key, {
      nonce: change.nonce ?? vector.nonce,
      associatedData: change.aad ?? vector.associated_data,
      ciphertext: change.ciphertext ?? vector.ciphertext_base64,
    });

  it('refuses a flipped ciphertext byte, a wrong AAD, nonce or key', () => {
    const bytes = Buffer.from(vector.ciphertext_base64, 'base64');
    bytes[0] = (bytes[0] ?? 0) ^ 0x01;
    expect(E.isLeft(decryptWith({ ciphertext: bytes.toString('base64') }))).toBe(true);
    expect(E.isLeft(decryptWith({ aad: 'certificate' }))).toBe(true);
    expect(E.isLeft(decryptWith({ nonce: 'uluk4a9R25RX' }))).toBe(true);
    expect(E.isLeft(decryptWith({ key: vector.key.replace('a', 'b') }))).toBe(true);
  });

  it('refuses malformed input with a reason instead of throwing', () => {
    expect(decryptWith({ nonce: 'short' })).toEqual(
      E.left({ _tag: 'AeadError', message: 'nonce must be 12 bytes, got 5' }),
    );
    expect(E.isLeft(decryptWith({ ciphertext: 'AAAA' }))).toBe(true);
    expect(E.isLeft(decryptWith({ ciphertext: '***not base64***' }))).toBe(true);
    expect(E.isLeft(decryptWith({ key: '0123456789abcdef' }))).toBe(true);
  });

  it('accepts only 32-byte printable ASCII APIv3 keys', () => {
    expect(isValidApiV3Key(vector.key)).toBe(true);
    expect(isValidApiV3Key('0123456789abcdef')).toBe(false);
    expect(isValidApiV3Key('é'.repeat(16))).toBe(false);
  });
});
