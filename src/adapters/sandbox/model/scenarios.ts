/**
 * Quick Pay scenarios, chosen by the auth code like test card numbers (table in docs/sandbox.md).
 *
 * An auth code is 18 digits (reference §7.1): `WW SS NNN XXXXXXXXXXX`
 *   WW  wallet prefix 10–15 (anything else is AUTH_CODE_INVALID);
 *   SS  the scenario below;
 *   NNN seconds of business time for the scenarios that wait (000 = the scenario's default);
 *   X…  free digits, so every test can use a fresh code (one auth code serves one out_trade_no).
 */

export type ScenarioOutcome =
  /** The customer pays at once; above the password-free limit they type a password first. */
  | { readonly kind: 'success' }
  /** USERPAYING, then the order ends in `to` after `afterSeconds` (or is auto-revoked at 45 s). */
  | {
      readonly kind: 'paying';
      readonly to: 'SUCCESS' | 'PAYERROR' | 'REVOKED';
      readonly afterSeconds: number;
      readonly refusesReverseWhilePaying: boolean;
    }
  /** A definite business error; `createsOrder` leaves a PAYERROR order behind. */
  | {
      readonly kind: 'rejected';
      readonly status: number;
      readonly code: string;
      readonly message: string;
      readonly createsOrder: boolean;
    }
  /** An error answer although the order may exist: it ends SUCCESS after `afterSeconds` when created. */
  | {
      readonly kind: 'failure';
      readonly status: number;
      readonly code: string;
      readonly createsOrder: boolean;
      readonly afterSeconds: number;
      readonly html?: boolean;
    }
  /** The order is created and paid, but the answer never comes. */
  | { readonly kind: 'hang' }
  /** The order is created and paid; the 200 answer is unsigned, wrongly signed, or a probe. */
  | { readonly kind: 'badlySigned'; readonly signature: 'none' | 'wrong' | 'probe' };

export const AUTO_REVOKE_SECONDS = 45;

export interface Scenario {
  readonly code: string;
  readonly outcome: ScenarioOutcome;
}

const orDefault = (seconds: number, fallback: number): number => (seconds === 0 ? fallback : seconds);

export const SCENARIOS: Readonly<Record<string, (seconds: number) => ScenarioOutcome>> = {
  '00': () => ({ kind: 'success' }),
  '01': (s) => ({
    kind: 'paying',
    to: 'SUCCESS',
    afterSeconds: orDefault(s, 10),
    refusesReverseWhilePaying: false,
  }),
  '02': (s) => ({
    kind: 'paying',
    to: 'PAYERROR',
    afterSeconds: orDefault(s, 10),
    refusesReverseWhilePaying: false,
  }),
  '03': () => ({
    kind: 'paying',
    to: 'REVOKED',
    afterSeconds: AUTO_REVOKE_SECONDS,
    refusesReverseWhilePaying: false,
  }),
  '04': (s) => ({
    kind: 'paying',
    to: 'SUCCESS',
    afterSeconds: orDefault(s, 30),
    refusesReverseWhilePaying: true,
  }),
  '10': () => ({
    kind: 'rejected',
    status: 403,
    code: 'NOTENOUGH',
    message: 'insufficient balance: ask the customer to use another card',
    createsOrder: true,
  }),
  '11': () => ({
    kind: 'rejected',
    status: 400,
    code: 'AUTHCODEEXPIRE',
    message: 'the payment code has expired: ask the customer to refresh it',
    createsOrder: false,
  }),
  '12': () => ({
    kind: 'rejected',
    status: 400,
    code: 'AUTH_CODE_INVALID',
    message: 'invalid payment code: scan an 18-digit code starting 10-15',
    createsOrder: false,
  }),
  '20': (s) => ({ kind: 'failure', status: 500, code: 'SYSTEMERROR', createsOrder: true, afterSeconds: s }),
  '21': () => ({ kind: 'failure', status: 500, code: 'SYSTEMERROR', createsOrder: false, afterSeconds: 0 }),
  '30': () => ({ kind: 'hang' }),
  '40': (s) => ({ kind: 'failure', status: 500, code: 'SYSTEM_ERROR', createsOrder: true, afterSeconds: s }),
  '41': () => ({
    kind: 'failure',
    status: 503,
    code: 'SERVICE_UNAVAILABLE',
    createsOrder: false,
    afterSeconds: 0,
  }),
  '42': () => ({
    kind: 'failure',
    status: 502,
    code: 'BAD_GATEWAY',
    createsOrder: false,
    afterSeconds: 0,
    html: true,
  }),
  '50': () => ({ kind: 'badlySigned', signature: 'none' }),
  '51': () => ({ kind: 'badlySigned', signature: 'wrong' }),
  '52': () => ({ kind: 'badlySigned', signature: 'probe' }),
};

/** Undefined when the code is not 18 digits with a wallet prefix 10–15 (§7.1). */
export const scenarioOf = (authCode: string): Scenario | undefined => {
  if (!/^1[0-5][0-9]{16}$/.test(authCode)) return undefined;
  const code = authCode.slice(2, 4);
  const seconds = Number(authCode.slice(4, 7));
  const make = SCENARIOS[code] ?? SCENARIOS['00'];
  return make === undefined
    ? undefined
    : { code: SCENARIOS[code] === undefined ? '00' : code, outcome: make(seconds) };
};
