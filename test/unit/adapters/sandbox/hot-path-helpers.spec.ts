import fc from 'fast-check';
import type * as t from 'io-ts';
import { createRateLimiter, DEFAULT_RATE_LIMITS } from '../../../../src/adapters/sandbox/http/limits';
import { targetOf } from '../../../../src/adapters/sandbox/http/server';
import { randomAlphanumeric } from '../../../../src/adapters/sandbox/protocol/aead';
import {
  decode,
  PayRequestCodec,
  RefundListQueryCodec,
  RefundRequestCodec,
  SettlementQueryCodec,
} from '../../../../src/adapters/sandbox/protocol/codecs';
import { jsonCopy, memoryStore } from '../../../../src/adapters/sandbox/state/kv';
import { gmt8Date, rfc3339 } from '../../../../src/adapters/sandbox/time';

/**
 * The helpers every pay request goes through keep their plain meaning: the rate limiter counts the
 * hits of the last second (§10), dates are GMT+8 calendar days (§5.8), nonces are fresh alphanumerics.
 */

/** The definition: hits within (now - 1000, ∞), whatever order the clock produced them in. */
const modelLimiter = (limit: number) => {
  let hits: number[] = [];
  return (now: number): boolean => {
    hits = hits.filter((t) => t > now - 1000);
    if (hits.length >= limit) return false;
    hits.push(now);
    return true;
  };
};

describe('rate limiter window', () => {
  it('admits exactly what counting the last second admits, also when the clock steps back', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.integer({ min: -1500, max: 700 }), { maxLength: 300 }),
        (limit, steps) => {
          const limiter = createRateLimiter({ ...DEFAULT_RATE_LIMITS, pay: limit });
          const model = modelLimiter(limit);
          let now = 1_000_000;
          for (const step of steps) {
            now += step;
            expect(limiter.admit('pay', now)).toBe(model(now));
          }
        },
      ),
    );
  });

  it('keeps counting correctly after many thousands of hits have left the window', () => {
    const limiter = createRateLimiter({ ...DEFAULT_RATE_LIMITS, pay: 1000 });
    // One hit per millisecond: always 999 earlier ones in (t - 1000, t), so each is admitted.
    for (let t = 0; t < 5_000; t += 1) expect(limiter.admit('pay', t)).toBe(true);
    expect(limiter.admit('pay', 5_000)).toBe(true);
    expect(limiter.admit('pay', 5_000)).toBe(false);
    expect(limiter.isExhausted('pay', 5_000)).toBe(true);
    expect(limiter.isExhausted('pay', 5_001)).toBe(false);
  });
});

describe('gmt8Date', () => {
  const direct = (ms: number): string =>
    new Date(ms + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');

  it('names the GMT+8 day on both sides of midnight, in any order of calls', () => {
    const midnight = Date.parse('2026-03-02T16:00:00.000Z');
    expect(gmt8Date(midnight - 1)).toBe('20260302');
    expect(gmt8Date(midnight)).toBe('20260303');
    expect(gmt8Date(midnight - 1)).toBe('20260302');
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4_102_444_800_000 }), { maxLength: 50 }), (times) => {
        for (const ms of times) {
          expect(gmt8Date(ms)).toBe(direct(ms));
          expect(gmt8Date(ms + 1)).toBe(direct(ms + 1));
        }
      }),
    );
  });
});

describe('rfc3339', () => {
  const direct = (ms: number): string => `${new Date(ms + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;

  it('prints the GMT+8 second of any time, repeated or not', () => {
    expect(rfc3339(Date.parse('2026-03-02T15:59:59.999Z'))).toBe('2026-03-02T23:59:59+08:00');
    expect(rfc3339(Date.parse('2026-03-02T16:00:00.000Z'))).toBe('2026-03-03T00:00:00+08:00');
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1_000_000, max: 4_102_444_800_000 }), { maxLength: 50 }),
        (times) => {
          for (const ms of times) {
            for (const near of [ms, ms + 1, ms - 1, ms + 999]) expect(rfc3339(near)).toBe(direct(near));
          }
        },
      ),
    );
  });
});

describe('request-target', () => {
  it('reads a path and query exactly as the WHATWG URL parser does', () => {
    const char = fc.constantFrom(...'/aZ09-_.~%2e?&=#\\ é:@'.split(''), '%2E', '..', '//');
    const target = fc.array(char, { maxLength: 24 }).map((parts) => `/${parts.join('')}`);
    const examples = ['/v3/global/micropay/transactions/pay', '//host/x', '/a/../b', '/a/%2e%2E/b', '/a?b=1'];
    fc.assert(
      fc.property(fc.oneof(target, fc.constantFrom(...examples)), (raw) => {
        const read = (parse: () => { pathname: string; search: string; searchParams: URLSearchParams }) => {
          try {
            const url = parse();
            return { pathname: url.pathname, search: url.search, query: [...url.searchParams] };
          } catch (e: unknown) {
            return { error: e instanceof Error ? e.message : String(e) };
          }
        };
        expect(read(() => targetOf(raw))).toEqual(read(() => new URL(raw, 'http://sandbox.invalid')));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('randomAlphanumeric', () => {
  it('gives codes of the asked length from the alphabet, none repeated, across many refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2_000; i += 1) {
      const length = i % 2 === 0 ? 32 : 12;
      const code = randomAlphanumeric(length);
      expect(code).toMatch(new RegExp(`^[A-Za-z0-9]{${length}}$`));
      seen.add(code);
    }
    expect(seen.size).toBe(2_000);
    expect(randomAlphanumeric(5000)).toMatch(/^[A-Za-z0-9]{5000}$/);
  });
});

describe('memory store copies', () => {
  const roundTrip = (value: unknown): unknown => JSON.parse(JSON.stringify(value) ?? 'null') as unknown;

  it('copies plain data exactly as a JSON round trip would', () => {
    const withGaps = fc.oneof(
      fc.jsonValue(),
      fc.constantFrom(undefined, Number.NaN, Number.POSITIVE_INFINITY, -0, new Date(0)),
    );
    const data = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        withGaps,
        fc.array(tie('value')),
        fc.dictionary(fc.string(), tie('value')),
      ),
    })).value;
    const ownProto: unknown = JSON.parse('{"__proto__":{"a":1}}');
    expect(Object.keys(jsonCopy(ownProto) as object)).toEqual(['__proto__']);
    expect(jsonCopy(ownProto)).toEqual(roundTrip(ownProto));
    fc.assert(
      fc.property(data, (value) => {
        expect(jsonCopy(value) ?? null).toEqual(roundTrip(value));
      }),
    );
  });

  it('hands out copies: changing what was put or what was got changes nothing stored', () => {
    const store = memoryStore();
    const order = { id: '1', state: 'SUCCESS', pending: { at: 1 }, gone: undefined };
    store.put('order', 'a', order);
    order.state = 'CHANGED';
    order.pending.at = 2;
    const got = store.get('order', 'a') as typeof order;
    expect(got).toEqual({ id: '1', state: 'SUCCESS', pending: { at: 1 } });
    expect('gone' in got).toBe(false);
    got.state = 'MUTATED';
    expect(store.get('order', 'a')).toEqual({ id: '1', state: 'SUCCESS', pending: { at: 1 } });
    expect(store.list('order')).toEqual([{ id: '1', state: 'SUCCESS', pending: { at: 1 } }]);
  });
});

describe('decoding through the codec guard', () => {
  const samples: readonly [string, t.Type<unknown, unknown, unknown>, Record<string, unknown>][] = [
    [
      'pay',
      PayRequestCodec as t.Type<unknown, unknown, unknown>,
      {
        sp_mchid: '1900000100',
        sp_appid: 'wxsandbox0000000001',
        sub_mchid: '1900000109',
        out_trade_no: 'o-1',
        description: 'Coffee',
        trade_type: 'MICROPAY',
        merchant_category_code: '5812',
        payer: { auth_code: '130000000000000001' },
        amount: { total: 1234, currency: 'HKD' },
        attach: 'a',
        scene_info: { device_id: 'd' },
      },
    ],
    [
      'refund',
      RefundRequestCodec as t.Type<unknown, unknown, unknown>,
      {
        sp_mchid: '1900000100',
        sp_appid: 'wxsandbox0000000001',
        sub_mchid: '1900000109',
        out_refund_no: 'R-1',
        out_trade_no: 'o-1',
        amount: { refund: 1, total: 2, currency: 'HKD' },
      },
    ],
    [
      'refund list',
      RefundListQueryCodec as t.Type<unknown, unknown, unknown>,
      { sp_mchid: '1', sub_mchid: '2', offset: '0' },
    ],
    [
      'settlements',
      SettlementQueryCodec as t.Type<unknown, unknown, unknown>,
      { settle_state: 'SETTLED', limit: '5' },
    ],
  ];
  const replacement = fc.oneof(
    fc.jsonValue(),
    fc.constant(undefined),
    fc.string({ maxLength: 140 }),
    fc.integer(),
    fc.double(),
    fc.constantFrom('', 'HKD', 'hkd', 'SETTLED', '20260101', 'MICROPAY'),
  );

  it.each(samples)(
    '%s: the answer is the full decode’s, and a valid input comes back as itself',
    (_, codec, sample) => {
      const nestedKeys = (value: Record<string, unknown>): string[][] =>
        Object.entries(value).flatMap(([k, v]) =>
          typeof v === 'object' && v !== null
            ? [[k], ...nestedKeys(v as Record<string, unknown>).map((p) => [k, ...p])]
            : [[k]],
        );
      const paths = [...nestedKeys(sample), ['extra'], ['payer', 'extra']];
      const mutation = fc.array(fc.tuple(fc.constantFrom(...paths), fc.boolean(), replacement), {
        maxLength: 3,
      });
      fc.assert(
        fc.property(mutation, (changes) => {
          const input = JSON.parse(JSON.stringify(sample)) as Record<string, unknown>;
          for (const [path, isDelete, value] of changes) {
            let target: unknown = input;
            for (const key of path.slice(0, -1))
              target = (target as Record<string, unknown> | undefined)?.[key];
            if (typeof target !== 'object' || target === null) continue;
            const last = path[path.length - 1] ?? '';
            if (isDelete) delete (target as Record<string, unknown>)[last];
            else (target as Record<string, unknown>)[last] = value;
          }
          const full = codec.decode(input);
          const fast = decode(codec, input, 'body');
          expect(fast._tag).toBe(full._tag);
          if (full._tag === 'Right') {
            expect(full.right).toBe(input);
            expect(fast._tag === 'Right' && fast.right).toBe(input);
          }
        }),
        { numRuns: 500 },
      );
    },
  );
});
