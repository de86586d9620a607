import * as t from 'io-ts';

/** `GET /v3/global/certificates` answer (reference §4). The ciphertext length limit in the doc is wrong: none enforced. */
export const EncryptedResourceCodec = t.type({
  algorithm: t.string,
  nonce: t.string,
  ciphertext: t.string,
  associated_data: t.union([t.string, t.undefined, t.null]),
});

export const CertificateListCodec = t.type({
  data: t.array(
    t.type({
      serial_no: t.string,
      effective_time: t.string,
      expire_time: t.string,
      encrypt_certificate: EncryptedResourceCodec,
    }),
  ),
});
export type CertificateList = t.TypeOf<typeof CertificateListCodec>;
