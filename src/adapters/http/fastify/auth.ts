import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Bearer-token check for the merchant API. Both sides are hashed first so the comparison is over
 * equal-length digests: `timingSafeEqual` then leaks neither the token's content nor its length.
 */

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

export const createTokenCheck = (expectedToken: string): ((authorization: string | undefined) => boolean) => {
  if (expectedToken.length === 0) throw new Error('the API token must not be empty');
  const expected = digest(expectedToken);
  return (authorization) => {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
    // An absent token is still compared, so a missing header costs the same as a wrong one.
    const given = digest(match?.[1] ?? '');
    return timingSafeEqual(given, expected) && match !== null;
  };
};
