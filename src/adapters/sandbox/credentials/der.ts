/**
 * A minimal DER (X.690) encoder: just the types an X.509 v3 certificate needs.
 * node:crypto can sign and parse certificates but cannot build one, so the sandbox writes the bytes itself.
 */

const encodeLength = (length: number): Buffer => {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
};

export const tlv = (tag: number, content: Buffer): Buffer =>
  Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);

export const sequence = (...items: readonly Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
export const set = (...items: readonly Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
export const nullValue = (): Buffer => Buffer.from([0x05, 0x00]);
export const boolean = (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0x00]));
export const octetString = (content: Buffer): Buffer => tlv(0x04, content);
export const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));
export const printableString = (text: string): Buffer => tlv(0x13, Buffer.from(text, 'ascii'));
/** Explicit context-specific tag, constructed: [n] EXPLICIT. */
export const explicit = (n: number, content: Buffer): Buffer => tlv(0xa0 | n, content);

/** BIT STRING with no unused bits (keys, signatures, and the keyUsage flags byte). */
export const bitString = (content: Buffer, unusedBits = 0): Buffer =>
  tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), content]));

/** INTEGER from unsigned big-endian bytes: strip redundant zeros, add one if the high bit is set. */
export const unsignedInteger = (bytes: Buffer): Buffer => {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
  const trimmed = bytes.subarray(start);
  const needsPad = ((trimmed[0] ?? 0) & 0x80) !== 0;
  return tlv(0x02, needsPad ? Buffer.concat([Buffer.from([0]), trimmed]) : Buffer.from(trimmed));
};

export const smallInteger = (n: number): Buffer => unsignedInteger(Buffer.from([n]));

export const objectIdentifier = (dotted: string): Buffer => {
  const arcs = dotted.split('.').map((part) => Number(part));
  const [first = 0, second = 0, ...rest] = arcs;
  const body: number[] = [first * 40 + second];
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift((n & 0x7f) | 0x80);
    body.push(...chunk);
  }
  return tlv(0x06, Buffer.from(body));
};

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
export const time = (date: Date): Buffer => {
  const year = date.getUTCFullYear();
  const rest =
    pad2(date.getUTCMonth() + 1) +
    pad2(date.getUTCDate()) +
    pad2(date.getUTCHours()) +
    pad2(date.getUTCMinutes()) +
    pad2(date.getUTCSeconds()) +
    'Z';
  return year < 2050
    ? tlv(0x17, Buffer.from(pad2(year % 100) + rest, 'ascii'))
    : tlv(0x18, Buffer.from(String(year) + rest, 'ascii'));
};
