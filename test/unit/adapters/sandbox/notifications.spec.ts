import { readFileSync } from 'node:fs';
import { RETRY_SCHEDULE_SECONDS } from '../../../../src/adapters/sandbox/notify/dispatcher';
import { PROBE_PREFIX } from '../../../../src/adapters/sandbox/protocol/sign';
import { decryptResource } from './support/decrypt';
import {
  authCode,
  payBody,
  removeDir,
  startHarness,
  SUB_MCHID,
  tempStateDir,
  uniqueNo,
  waitFor,
  type Harness,
} from './support/harness';
import { startReceiver, type Received, type Receiver } from './support/receiver';
import { verifyResponse } from './support/wire';

/** Reference §7.3, §7.4: refund notifications, signed and encrypted, retried on the official schedule; faults. */

let dir: string;
let h: Harness;
let receiver: Receiver;

beforeAll(async () => {
  dir = tempStateDir();
  h = await startHarness(dir, { refundDelaySeconds: { SUCCESS: 0, REFUNDCLOSE: 0, ABNORMAL: 0 } });
  receiver = await startReceiver();
});
afterAll(async () => {
  await h.close();
  await receiver.close();
  removeDir(dir);
});
beforeEach(async () => {
  receiver.received.length = 0;
  receiver.answer = () => 200;
  await h.control('POST', '/sandbox/notifications/faults', {
    duplicate: false,
    reorder: false,
    delayMs: 0,
    drop: false,
    probeSignature: false,
    origin: null,
  });
});

interface Delivery {
  readonly id: string;
  readonly state: string;
  readonly attempts: { at: number; status?: number; signature: string }[];
  readonly subject: { outRefundNo: string };
}

const refundWithNotification = async (reason?: string, notifyUrl = receiver.url): Promise<string> => {
  const outTradeNo = uniqueNo('nt');
  const paid = await h.client.send('POST', '/v3/global/micropay/transactions/pay', {
    body: payBody(h, { outTradeNo, authCode: authCode('00') }),
  });
  const outRefundNo = uniqueNo('R');
  const response = await h.client.send('POST', '/v3/global/refunds', {
    body: JSON.stringify({
      sp_mchid: h.spMchid,
      sp_appid: h.spAppid,
      sub_mchid: SUB_MCHID,
      transaction_id: paid.json()['id'],
      out_refund_no: outRefundNo,
      ...(reason === undefined ? {} : { reason }),
      amount: { refund: 400, total: 1000, currency: 'HKD' },
      notify_url: notifyUrl,
    }),
  });
  expect(response.status).toBe(200);
  return outRefundNo;
};

const deliveryOf = async (outRefundNo: string): Promise<Delivery | undefined> => {
  const all = (await h.control('GET', '/sandbox/notifications'))['deliveries'] as Delivery[];
  return all.find((d) => d.subject.outRefundNo === outRefundNo);
};

const verified = (delivery: Received): boolean =>
  verifyResponse(
    {
      headers: delivery.headers as Record<string, string | undefined>,
      body: Buffer.from(delivery.body),
    },
    h.certificates,
  );

const resourceOf = (delivery: Received): Record<string, unknown> => {
  const envelope = JSON.parse(delivery.body) as {
    resource: { nonce: string; associated_data: string; ciphertext: string };
  };
  return JSON.parse(decryptResource(readFileSync(h.client.json.apiV3KeyPath), envelope.resource)) as Record<
    string,
    unknown
  >;
};

describe('refund notifications', () => {
  it('POSTs a signed notification whose resource decrypts to the refund', async () => {
    const outRefundNo = await refundWithNotification();
    const [delivery] = await waitFor('a delivery', () =>
      receiver.received.length > 0 ? receiver.received : undefined,
    );
    if (delivery === undefined) throw new Error('nothing received');
    expect(verified(delivery)).toBe(true);
    expect(delivery.headers['content-type']).toBe('application/json');
    const envelope = JSON.parse(delivery.body) as Record<string, unknown>;
    expect(envelope).toMatchObject({
      event_type: 'REFUND.SUCCESS',
      resource_type: 'encrypt-resource',
      // As WeChat's example: empty associated data.
      resource: { original_type: 'refund', algorithm: 'AEAD_AES_256_GCM', associated_data: '' },
    });
    expect(resourceOf(delivery)).toMatchObject({
      sp_mchid: h.spMchid,
      sub_mchid: SUB_MCHID,
      out_refund_no: outRefundNo,
      refund_status: 'SUCCESS',
      amount: {
        total: 1000,
        refund: 400,
        currency: 'HKD',
        payer_total: 1000,
        payer_refund: 400,
        payer_currency: 'HKD',
        exchange_rate: { type: 'SETTLEMENT_RATE', rate: 100_000_000 },
      },
    });
    await waitFor('delivered state', async () =>
      (await deliveryOf(outRefundNo))?.state === 'delivered' ? true : undefined,
    );
  });

  it('encrypts with the associated data set through the control API', async () => {
    expect(
      await h.control('POST', '/sandbox/notifications/faults', { associatedData: 'refund' }),
    ).toMatchObject({
      associatedData: 'refund',
    });
    try {
      await refundWithNotification();
      const [delivery] = await waitFor('a delivery', () =>
        receiver.received.length > 0 ? receiver.received : undefined,
      );
      if (delivery === undefined) throw new Error('nothing received');
      expect(JSON.parse(delivery.body)).toMatchObject({ resource: { associated_data: 'refund' } });
      expect(resourceOf(delivery)['refund_status']).toBe('SUCCESS');
    } finally {
      await h.control('POST', '/sandbox/notifications/faults', { associatedData: '' });
    }
  });

  it('spells a closed refund REFUND.CLOSED / CLOSED', async () => {
    await refundWithNotification('SANDBOX_REFUNDCLOSE');
    const [delivery] = await waitFor('a delivery', () =>
      receiver.received.length > 0 ? receiver.received : undefined,
    );
    if (delivery === undefined) throw new Error('nothing received');
    expect((JSON.parse(delivery.body) as Record<string, unknown>)['event_type']).toBe('REFUND.CLOSED');
    expect(resourceOf(delivery)['refund_status']).toBe('CLOSED');
  });

  it('retries on 15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h until it gives up', async () => {
    receiver.answer = () => 500;
    const outRefundNo = await refundWithNotification();
    for (let i = 0; i <= RETRY_SCHEDULE_SECONDS.length; i += 1) {
      await waitFor(`attempt ${i + 1}`, () => (receiver.received.length === i + 1 ? true : undefined));
      const wait = RETRY_SCHEDULE_SECONDS[i];
      if (wait === undefined) break;
      h.clock.advance(wait * 1000 - 1);
      await h.sandbox.settle();
      expect(receiver.received).toHaveLength(i + 1);
      h.clock.advance(1);
    }
    const delivery = await waitFor('abandoned', async () => {
      const d = await deliveryOf(outRefundNo);
      return d?.state === 'abandoned' ? d : undefined;
    });
    const gaps = delivery.attempts.slice(1).map((a, i) => (a.at - (delivery.attempts[i]?.at ?? 0)) / 1000);
    expect(gaps).toEqual([...RETRY_SCHEDULE_SECONDS]);
    expect(new Set(receiver.received.map((r) => (JSON.parse(r.body) as { id: string }).id)).size).toBe(1);
  });

  it.each([200, 204])('stops retrying at a %d', async (status) => {
    let calls = 0;
    receiver.answer = () => (++calls === 1 ? 503 : status);
    const outRefundNo = await refundWithNotification();
    await waitFor('first attempt', () => (receiver.received.length === 1 ? true : undefined));
    h.clock.advance(15_000);
    await waitFor('delivered', async () =>
      (await deliveryOf(outRefundNo))?.state === 'delivered' ? true : undefined,
    );
    h.clock.advance(3600_000);
    await h.sandbox.settle();
    expect(receiver.received).toHaveLength(2);
  });

  it('duplicate: an acknowledged notification is delivered a second time, same id', async () => {
    await h.control('POST', '/sandbox/notifications/faults', { duplicate: true });
    const outRefundNo = await refundWithNotification();
    await waitFor('two deliveries', () => (receiver.received.length === 2 ? true : undefined));
    await waitFor('delivered', async () =>
      (await deliveryOf(outRefundNo))?.state === 'delivered' ? true : undefined,
    );
    const [a, b] = receiver.received.map((r) => (JSON.parse(r.body) as { id: string }).id);
    expect(a).toBe(b);
  });

  it('reorder: two notifications arrive newest first', async () => {
    await h.control('POST', '/sandbox/notifications/faults', { reorder: true });
    const first = await refundWithNotification();
    await h.sandbox.settle();
    expect(receiver.received).toHaveLength(0);
    const second = await refundWithNotification();
    await waitFor('two deliveries', () => (receiver.received.length === 2 ? true : undefined));
    expect(receiver.received.map((r) => resourceOf(r)['out_refund_no'])).toEqual([second, first]);
  });

  it('delay: the first attempt waits the configured business time', async () => {
    await h.control('POST', '/sandbox/notifications/faults', { delayMs: 10_000 });
    await refundWithNotification();
    h.clock.advance(9_999);
    await h.sandbox.settle();
    expect(receiver.received).toHaveLength(0);
    h.clock.advance(1);
    await waitFor('the delayed delivery', () => (receiver.received.length === 1 ? true : undefined));
  });

  it('drop: the notification is never sent', async () => {
    await h.control('POST', '/sandbox/notifications/faults', { drop: true });
    const outRefundNo = await refundWithNotification();
    await waitFor('dropped', async () =>
      (await deliveryOf(outRefundNo))?.state === 'dropped' ? true : undefined,
    );
    h.clock.advance(24 * 3600_000);
    await h.sandbox.settle();
    expect(receiver.received).toHaveLength(0);
  });

  it('probe: the first attempt carries a WECHATPAY/SIGNTEST/ signature; the retry after a refusal is genuine', async () => {
    await h.control('POST', '/sandbox/notifications/faults', { probeSignature: true });
    receiver.answer = (delivery) => (verified(delivery) ? 200 : 401);
    const outRefundNo = await refundWithNotification();
    await waitFor('the probe', () => (receiver.received.length === 1 ? true : undefined));
    expect(String(receiver.received[0]?.headers['wechatpay-signature']).startsWith(PROBE_PREFIX)).toBe(true);
    h.clock.advance(15_000);
    await waitFor('delivered', async () =>
      (await deliveryOf(outRefundNo))?.state === 'delivered' ? true : undefined,
    );
    expect(receiver.received).toHaveLength(2);
    const genuine = receiver.received[1];
    expect(genuine !== undefined && verified(genuine)).toBe(true);
  });

  it('origin: delivers an https notify_url to a local origin, keeping the path', async () => {
    await h.control('POST', '/sandbox/notifications/faults', { origin: new URL(receiver.url).origin });
    await refundWithNotification(undefined, 'https://merchant.example/notify/refund');
    const [delivery] = await waitFor('a delivery', () =>
      receiver.received.length > 0 ? receiver.received : undefined,
    );
    expect(delivery !== undefined && verified(delivery)).toBe(true);
    const bad = await h.control('POST', '/sandbox/notifications/faults', { origin: 'ftp://x/y' });
    expect(bad['code']).toBe('PARAM_ERROR');
  });
});
