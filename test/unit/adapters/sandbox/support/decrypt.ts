import { createDecipheriv } from 'node:crypto';

/** The test's own AEAD_AES_256_GCM reading (reference §4): Base64(ciphertext ‖ 16-byte tag). */
export const decryptResource = (
  key: Buffer,
  resource: { readonly nonce: string; readonly associated_data: string; readonly ciphertext: string },
): string => {
  const all = Buffer.from(resource.ciphertext, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(resource.nonce));
  decipher.setAAD(Buffer.from(resource.associated_data));
  decipher.setAuthTag(all.subarray(all.length - 16));
  return Buffer.concat([decipher.update(all.subarray(0, all.length - 16)), decipher.final()]).toString(
    'utf8',
  );
};
