import { readFileSync } from 'node:fs';
import type * as t from 'io-ts';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../src/adapters/sandbox';
import { createWeChatPayClient, type WeChatPayClient } from '../../src/adapters/wechatpay';
import {
  AppIdCodec,
  AuthCodeCodec,
  OutRefundNoCodec,
  OutTradeNoCodec,
  SpMchidCodec,
  StatementDateCodec,
  SubMchidCodec,
  TransactionIdCodec,
} from '../../src/domain/shared/ids';
import { unsafeMoney, type Currency } from '../../src/domain/shared/money';
import type { Logger } from '../../src/ports/logger';
import type { GatewayOutcome, PayRequest, Transaction } from '../../src/ports/wechat-pay-gateway';
import {
  authCode,
  manualClock,
  removeDir,
  tempStateDir,
  uniqueNo,
  waitFor,
  type ManualClock,
} from '../unit/adapters/sandbox/support/harness';
import { startReceiver, type Receiver } from '../unit/adapters/sandbox/support/receiver';

/**
 * The project's client against the sandbox, for every endpoint, outcome and scenario of
 * docs/sandbox.md: two independent implementations of the protocol must agree.
 */

const brand = <A>(codec: t.Type<A, string, unknown>, value: string): A => {
  if (!codec.is(value)) throw new Error(`test constant ${value} is not a ${codec.name}`);
  return value;
};

const silent: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silent,
};

const SUB = brand(SubMchidCodec, '1900000109');

interface Pair {
  readonly sandbox: RunningSandbox;
  readonly client: WeChatPayClient;
  readonly clock: ManualClock;
  readonly control: (path: string, body?: unknown) => Promise<Record<string, unknown>>;
  readonly close: () => Promise<void>;
}

let dir: string;

const startPair = async (
  options: Partial<SandboxOptions> = {},
  certificateRefreshIntervalMs = 0,
  payTimeoutMs = 10_000,
  pinCertificate = false,
): Promise<Pair> => {
  const clock = manualClock();
  const sandbox = await startSandbox({ stateDir: dir, clock, tickMs: 5, ...options });
  const c = sandbox.credentials;
  const client = createWeChatPayClient(
    {
      baseUrl: c.baseUrl,
      spMchid: brand(SpMchidCodec, c.spMchid),
      spAppid: brand(AppIdCodec, c.spAppid),
      merchantSerial: c.merchantSerial,
      merchantPrivateKeyPem: readFileSync(c.merchantPrivateKeyPath, 'utf8'),
      apiV3Key: readFileSync(c.apiV3KeyPath, 'utf8'),
      certificateRefreshIntervalMs,
      minCertificateRefreshIntervalMs: 0,
      timeoutsMs: { pay: payTimeoutMs },
      readRetry: { attempts: 1 },
      ...(pinCertificate
        ? { pinnedPlatformCertificatePem: readFileSync(c.platformCertificatePath, 'utf8') }
        : {}),
    },
    { clock, logger: silent },
  );
  const control = async (path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${sandbox.baseUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await response.json()) as Record<string, unknown>;
  };
  return {
    sandbox,
    client,
    clock,
    control,
    close: async () => {
      await client.close();
      await sandbox.close();
    },
  };
};

const payRequest = (code: string, total = 1000, currency: Currency = 'HKD'): PayRequest => ({
  subMchid: SUB,
  outTradeNo: brand(OutTradeNoCodec, uniqueNo('io')),
  description: 'Interop shop - tea',
  authCode: brand(AuthCodeCodec, code),
  amount: unsafeMoney(total, currency),
  merchantCategoryCode: '5812',
});

/** The client reads a USERPAYING query answer as InProgress, by design (port contract). */
const stateOf = (outcome: GatewayOutcome<Transaction>): string =>
  outcome._tag === 'Success'
    ? outcome.value.tradeState
    : outcome._tag === 'InProgress'
      ? 'USERPAYING'
      : outcome._tag;

let p: Pair;

beforeAll(async () => {
  dir = tempStateDir();
  p = await startPair({ refundDelaySeconds: { SUCCESS: 5, REFUNDCLOSE: 5, ABNORMAL: 5 } });
});
afterAll(async () => {
  await p.close();
  removeDir(dir);
});

describe('the client against the sandbox: Quick Pay scenarios', () => {
  const payAndQuery = async (code: string) => {
    const request = payRequest(code);
    const paid = await p.client.gateway.pay(request)();
    const query = () => p.client.gateway.queryOrder({ subMchid: SUB, outTradeNo: request.outTradeNo })();
    return { request, paid, query };
  };

  it('00 immediate success', async () => {
    const { paid, request } = await payAndQuery(authCode('00'));
    expect(paid).toMatchObject({
      _tag: 'Success',
      value: { tradeState: 'SUCCESS', outTradeNo: request.outTradeNo },
    });
    expect(paid._tag === 'Success' && paid.requestId).toBeTruthy();
  });

  it('01 USERPAYING then success after N s', async () => {
    const { paid, query } = await payAndQuery(authCode('01', 20));
    expect(paid._tag).toBe('InProgress');
    expect(stateOf(await query())).toBe('USERPAYING');
    p.clock.advance(20_000);
    expect(stateOf(await query())).toBe('SUCCESS');
  });

  it('02 USERPAYING then the customer cancels', async () => {
    const { paid, query } = await payAndQuery(authCode('02', 10));
    expect(paid._tag).toBe('InProgress');
    p.clock.advance(10_000);
    expect(stateOf(await query())).toBe('PAYERROR');
  });

  it('03 never paid: auto-revoked at 45 s', async () => {
    const { paid, query } = await payAndQuery(authCode('03'));
    expect(paid._tag).toBe('InProgress');
    p.clock.advance(44_000);
    expect(stateOf(await query())).toBe('USERPAYING');
    p.clock.advance(1_000);
    expect(stateOf(await query())).toBe('REVOKED');
  });

  it('04 reverse refused while paying is a rejection the saga can retry', async () => {
    const { paid, request } = await payAndQuery(authCode('04', 30));
    expect(paid._tag).toBe('InProgress');
    p.clock.advance(16_000);
    const reversed = await p.client.gateway.reverse({ subMchid: SUB, outTradeNo: request.outTradeNo })();
    expect(reversed).toMatchObject({ _tag: 'Rejected', code: 'TRADE_ERROR' });
  });

  it.each([
    ['10', 403, 'NOTENOUGH', 'PAYERROR'],
    ['11', 400, 'AUTHCODEEXPIRE', 'NotFound'],
    ['12', 400, 'AUTH_CODE_INVALID', 'NotFound'],
  ])('%s is a definite rejection (%d %s); the order is then %s', async (ss, httpStatus, code, after) => {
    const { paid, query } = await payAndQuery(authCode(ss));
    expect(paid).toMatchObject({ _tag: 'Rejected', httpStatus, code });
    expect(stateOf(await query())).toBe(after);
  });

  it.each([
    ['20', 'SystemError', 'SUCCESS'],
    ['21', 'SystemError', 'NotFound'],
    ['40', 'SystemError', 'SUCCESS'],
    ['41', 'ServerError', 'NotFound'],
    ['42', 'ServerError', 'NotFound'],
    ['50', 'UnverifiedResponse', 'SUCCESS'],
    ['51', 'UnverifiedResponse', 'SUCCESS'],
    ['52', 'UnverifiedResponse', 'SUCCESS'],
  ])('%s is Unknown (%s); querying finds %s', async (ss, reason, after) => {
    const { paid, query } = await payAndQuery(authCode(ss));
    expect(paid).toMatchObject({ _tag: 'Unknown', reason });
    expect(stateOf(await query())).toBe(after);
  });

  it('30 hangs past the client timeout: Unknown (Timeout); querying finds SUCCESS', async () => {
    const impatient = await startPair({}, 0, 300);
    try {
      const request = payRequest(authCode('30'));
      expect(await impatient.client.gateway.pay(request)()).toMatchObject({
        _tag: 'Unknown',
        reason: 'Timeout',
      });
      const found = await impatient.client.gateway.queryOrder({
        subMchid: SUB,
        outTradeNo: request.outTradeNo,
      })();
      expect(stateOf(found)).toBe('SUCCESS');
    } finally {
      await impatient.close();
    }
  });

  it('a resubmission with another amount is rejected OUT_TRADE_NO_USED', async () => {
    const request = payRequest(authCode('00'));
    await p.client.gateway.pay(request)();
    const again = await p.client.gateway.pay({ ...request, amount: unsafeMoney(2000, 'HKD') })();
    expect(again).toMatchObject({ _tag: 'Rejected', code: 'OUT_TRADE_NO_USED' });
  });
});

describe.each(['errorCode', 'tradeState'] as const)('the client reads USERPAYING as %s', (userPayingAs) => {
  it('as InProgress', async () => {
    const other = await startPair({ userPayingAs });
    try {
      const paid = await other.client.gateway.pay(payRequest(authCode('01', 10)))();
      expect(paid._tag).toBe('InProgress');
    } finally {
      await other.close();
    }
  });
});

describe('the client against the sandbox: orders, refunds, files', () => {
  const paidOrder = async (total = 1000): Promise<Transaction> => {
    const paid = await p.client.gateway.pay(payRequest(authCode('00'), total))();
    if (paid._tag !== 'Success') throw new Error(`pay failed: ${paid._tag}`);
    return paid.value;
  };

  it('queries by WeChat id, reverses (refused early, then 204), closes, and finds nothing unknown', async () => {
    const order = await paidOrder();
    const byId = await p.client.gateway.queryOrder({ subMchid: SUB, transactionId: order.transactionId })();
    expect(byId).toMatchObject({
      _tag: 'Success',
      value: { outTradeNo: order.outTradeNo, amount: { total: 1000, currency: 'HKD' } },
    });
    const ref = { subMchid: SUB, outTradeNo: order.outTradeNo };
    expect((await p.client.gateway.reverse(ref)())._tag).toBe('Rejected');
    p.clock.advance(15_000);
    expect(await p.client.gateway.reverse(ref)()).toMatchObject({ _tag: 'Success' });
    expect(stateOf(await p.client.gateway.queryOrder(ref)())).toBe('REVOKED');
    const unpaid = payRequest(authCode('03'));
    await p.client.gateway.pay(unpaid)();
    expect((await p.client.gateway.closeOrder({ subMchid: SUB, outTradeNo: unpaid.outTradeNo })())._tag).toBe(
      'Success',
    );
    const missing = await p.client.gateway.queryOrder({
      subMchid: SUB,
      outTradeNo: brand(OutTradeNoCodec, 'never-seen'),
    })();
    expect(missing._tag).toBe('NotFound');
    const missingId = brand(TransactionIdCodec, '4200000000000000000000000000');
    expect((await p.client.gateway.queryOrder({ subMchid: SUB, transactionId: missingId })())._tag).toBe(
      'NotFound',
    );
  });

  it('refunds: PROCESSING, then SUCCESS; idempotent retry; OUT_REFUND_NO_USED; 60 s rule; list', async () => {
    const order = await paidOrder(5000);
    const outRefundNo = brand(OutRefundNoCodec, uniqueNo('R'));
    const request = {
      subMchid: SUB,
      transactionId: order.transactionId,
      outRefundNo,
      refund: unsafeMoney(1200, 'HKD'),
      total: unsafeMoney(5000, 'HKD'),
    };
    const created = await p.client.gateway.refund(request)();
    expect(created).toMatchObject({ _tag: 'Success', value: { outRefundNo, status: 'PROCESSING' } });
    const retried = await p.client.gateway.refund(request)();
    expect(retried._tag === 'Success' && created._tag === 'Success' && retried.value.refundId).toBe(
      created._tag === 'Success' && created.value.refundId,
    );
    expect(await p.client.gateway.refund({ ...request, refund: unsafeMoney(1300, 'HKD') })()).toMatchObject({
      _tag: 'Rejected',
      code: 'OUT_REFUND_NO_USED',
    });
    const tooSoon = await p.client.gateway.refund({
      ...request,
      outRefundNo: brand(OutRefundNoCodec, uniqueNo('R')),
    })();
    expect(tooSoon).toMatchObject({ _tag: 'Unknown', reason: 'RateLimited' });
    expect(await p.client.gateway.queryRefund({ subMchid: SUB, outRefundNo })()).toMatchObject({
      _tag: 'Success',
      value: { status: 'PROCESSING' },
    });
    p.clock.advance(60_000);
    const byId = created._tag === 'Success' ? created.value.refundId : undefined;
    if (byId === undefined) throw new Error('no refund id');
    expect(await p.client.gateway.queryRefund({ subMchid: SUB, refundId: byId })()).toMatchObject({
      _tag: 'Success',
      value: { status: 'SUCCESS', amount: { refund: 1200, currency: 'HKD' } },
    });
    const second = await p.client.gateway.refund({
      ...request,
      outRefundNo: brand(OutRefundNoCodec, uniqueNo('R')),
      refund: unsafeMoney(3800, 'HKD'),
    })();
    expect(second._tag).toBe('Success');
    p.clock.advance(60_000);
    const over = await p.client.gateway.refund({
      ...request,
      outRefundNo: brand(OutRefundNoCodec, uniqueNo('R')),
      refund: unsafeMoney(1, 'HKD'),
    })();
    expect(over).toMatchObject({ _tag: 'Rejected', code: 'INVALID_REQUEST' });
    const all = await p.client.gateway.queryAllRefunds({ subMchid: SUB, outTradeNo: order.outTradeNo })();
    expect(all).toMatchObject({
      _tag: 'Success',
      value: { transactionId: order.transactionId, amount: { total: 5000 } },
    });
    expect(all._tag === 'Success' && all.value.refunds.map((r) => r.amount.refund)).toEqual([1200, 3800]);
  });

  it('queries settlements: unsettled today, settled tomorrow', async () => {
    const unsettled = await p.client.gateway.querySettlements({ subMchid: SUB, settleState: 'UNSETTLE' })();
    expect(unsettled._tag).toBe('Success');
    expect(unsettled._tag === 'Success' && unsettled.value.length).toBeGreaterThan(0);
    p.clock.advance(24 * 3600_000);
    const date = brand(StatementDateCodec, '20261128');
    const settled = await p.client.gateway.querySettlements({
      subMchid: SUB,
      settleState: 'SETTLED',
      startDate: date,
      endDate: date,
    })();
    expect(settled).toMatchObject({
      _tag: 'Success',
      value: [expect.objectContaining({ settlementDate: '20261128' })],
    });
  });

  it('downloads the statement (gzip, SHA-1, signature) and it agrees with the sandbox ledger', async () => {
    // Run after the settlements test has moved time to the next day: 20261127 has closed and its
    // file exists from 10:00 GMT+8; the current day's does not.
    expect(await p.client.gateway.downloadStatement(brand(StatementDateCodec, '20261128'))()).toMatchObject({
      _tag: 'Rejected',
      code: 'NO_STATEMENT_EXIST',
    });
    const outcome = await p.client.gateway.downloadStatement(brand(StatementDateCodec, '20261127'))();
    if (outcome._tag !== 'Success') throw new Error(`statement: ${JSON.stringify(outcome)}`);
    const ledger = (await p.control('/sandbox/ledger'))['entries'] as {
      kind: string;
      amount: number;
      transactionId: string;
    }[];
    expect(outcome.value.rows).toHaveLength(ledger.length);
    expect(outcome.value.rows.map((r) => [r.transactionId, r.orderAmount + r.refundAmount])).toEqual(
      ledger.map((e) => [e.transactionId, e.amount]),
    );
    const paid = ledger.filter((e) => e.kind === 'PAYMENT').reduce((s, e) => s + e.amount, 0);
    expect(outcome.value.summary.totals.find((x) => x.currency === 'HKD')?.orderAmount).toBe(paid);
    expect(outcome.value.sha1).toMatch(/^[0-9a-f]{40}$/);
    const none = await p.client.gateway.downloadStatement(brand(StatementDateCodec, '20261101'))();
    expect(none._tag).toBe('NotFound');
  });

  it('lists platform certificates', async () => {
    const listed = await p.client.gateway.platformCertificates()();
    expect(listed).toMatchObject({
      _tag: 'Success',
      value: [{ serialNo: p.sandbox.credentials.platformSerial }],
    });
  });
});

describe('the client follows a certificate rotation', () => {
  it('learns the announced certificate while the old one signs, then verifies answers signed by the new one', async () => {
    const pair = await startPair({}, 50);
    try {
      expect((await pair.client.gateway.pay(payRequest(authCode('00')))())._tag).toBe('Success');
      const announced = await pair.control('/sandbox/certificates/rotate', {});
      const newSerial = (announced['serials'] as string[])[1] ?? '';
      await waitFor('the client to hold the new certificate', async () => {
        const held = await pair.client.gateway.platformCertificates()();
        return held._tag === 'Success' && held.value.some((c) => c.serialNo === newSerial) ? true : undefined;
      });
      await pair.control('/sandbox/certificates/sign-with', { serial: newSerial });
      expect(await pair.client.gateway.pay(payRequest(authCode('00')))()).toMatchObject({ _tag: 'Success' });
    } finally {
      await pair.close();
    }
  });

  it('an abrupt switch to a never-announced certificate is learnt from a download that carries it', async () => {
    const pair = await startPair();
    try {
      expect((await pair.client.gateway.pay(payRequest(authCode('00')))())._tag).toBe('Success');
      const rotated = await pair.control('/sandbox/certificates/rotate', { signWith: 'new' });
      expect(await pair.client.gateway.pay(payRequest(authCode('00')))()).toMatchObject({ _tag: 'Success' });
      expect(pair.client.certificateStats().firstVerifiedAt[String(rotated['signingSerial'])]).toBeDefined();
    } finally {
      await pair.close();
    }
  });

  it('with a pinned certificate, an abrupt switch leaves answers unverified (Unknown), never trusted', async () => {
    const pair = await startPair({}, 0, 10_000, true);
    try {
      expect((await pair.client.gateway.pay(payRequest(authCode('00')))())._tag).toBe('Success');
      await pair.control('/sandbox/certificates/rotate', { signWith: 'new' });
      expect(await pair.client.gateway.pay(payRequest(authCode('00')))()).toMatchObject({
        _tag: 'Unknown',
        reason: 'UnverifiedResponse',
      });
    } finally {
      await pair.close();
    }
  });
});

describe('the client verifies the sandbox’s refund notifications', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    await p.control('/sandbox/notifications/faults', { origin: new URL(receiver.url).origin });
  });
  afterAll(() => receiver.close());

  const refundWithNotification = async (): Promise<string> => {
    const paid = await p.client.gateway.pay(payRequest(authCode('00')))();
    if (paid._tag !== 'Success') throw new Error('pay failed');
    const outRefundNo = uniqueNo('R');
    const refund = await p.client.gateway.refund({
      subMchid: SUB,
      transactionId: paid.value.transactionId,
      outRefundNo: brand(OutRefundNoCodec, outRefundNo),
      refund: unsafeMoney(400, 'HKD'),
      total: unsafeMoney(1000, 'HKD'),
      // The client insists on https (§7.3); the sandbox delivers to the local receiver's origin.
      notifyUrl: 'https://merchant.example/notify/refund',
    })();
    expect(refund).toMatchObject({ _tag: 'Success' });
    p.clock.advance(5_000);
    return outRefundNo;
  };

  const headersOf = (h: Record<string, string | string[] | undefined>): Record<string, string | undefined> =>
    Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));

  it('a genuine notification verifies, decrypts and names the refund', async () => {
    receiver.received.length = 0;
    const outRefundNo = await refundWithNotification();
    const [delivery] = await waitFor('a notification', () =>
      receiver.received.length > 0 ? receiver.received : undefined,
    );
    if (delivery === undefined) throw new Error('nothing received');
    const verified = await p.client.verifier.verify({
      headers: headersOf(delivery.headers),
      body: delivery.body,
    })();
    expect(verified).toMatchObject({
      _tag: 'Right',
      right: {
        eventType: 'REFUND.SUCCESS',
        resource: {
          kind: 'refund',
          outRefundNo,
          refundStatus: 'SUCCESS',
          amount: { refund: 400, total: 1000 },
        },
      },
    });
  });

  it('a probe signature is refused, and the genuine retry verifies', async () => {
    receiver.received.length = 0;
    await p.control('/sandbox/notifications/faults', { probeSignature: true });
    const results: string[] = [];
    receiver.answer = () => 500;
    try {
      await refundWithNotification();
      await waitFor('the probe', () => (receiver.received.length === 1 ? true : undefined));
      p.clock.advance(15_000);
      await waitFor('the retry', () => (receiver.received.length === 2 ? true : undefined));
      for (const delivery of receiver.received) {
        const outcome = await p.client.verifier.verify({
          headers: headersOf(delivery.headers),
          body: delivery.body,
        })();
        results.push(outcome._tag === 'Right' ? 'verified' : outcome.left._tag);
      }
      expect(results).toEqual(['ProbeSignature', 'verified']);
    } finally {
      receiver.answer = () => 200;
      await p.control('/sandbox/notifications/faults', { probeSignature: false });
    }
  });
});
