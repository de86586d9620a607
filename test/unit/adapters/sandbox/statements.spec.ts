import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import {
  authCode,
  payBody,
  removeDir,
  startHarness,
  SUB_MCHID,
  tempStateDir,
  uniqueNo,
  type Harness,
} from './support/harness';
import { verifyResponse } from './support/wire';

/**
 * Reference §3, §5.8, §5.9: statements generated from the ledger (gzip on request, SHA-1 header,
 * signature over {"sha1":…}) and settlement batches. The manual clock starts 2026-11-27 10:00 GMT+8.
 */

let dir: string;
let h: Harness;
const DAY = '20261127';
let paidIds: string[] = [];

/** Four payments (one USD, one for another sub-merchant) and a partial refund, all on DAY. */
const seed = async (harness: Harness): Promise<string[]> => {
  const pay = async (total: number, currency: string, subMchid = SUB_MCHID): Promise<string> => {
    const response = await harness.client.send('POST', '/v3/global/micropay/transactions/pay', {
      body: payBody(harness, {
        outTradeNo: uniqueNo('st'),
        authCode: authCode('00'),
        total,
        currency,
        subMchid,
      }),
    });
    return response.json()['id'] as string;
  };
  const ids = [
    await pay(1000, 'HKD'),
    await pay(2550, 'HKD'),
    await pay(700, 'USD'),
    await pay(300, 'HKD', '1900000110'),
  ];
  await harness.client.send('POST', '/v3/global/refunds', {
    body: JSON.stringify({
      sp_mchid: harness.spMchid,
      sp_appid: harness.spAppid,
      sub_mchid: SUB_MCHID,
      transaction_id: ids[1],
      out_refund_no: uniqueNo('R'),
      amount: { refund: 550, total: 2550, currency: 'HKD' },
    }),
  });
  harness.clock.advance(1_000);
  await harness.sandbox.settle();
  return ids;
};

beforeAll(async () => {
  dir = tempStateDir();
  h = await startHarness(dir, { refundDelaySeconds: { SUCCESS: 0, REFUNDCLOSE: 0, ABNORMAL: 0 } });
  paidIds = await seed(h);
});
afterAll(async () => {
  await h.close();
  removeDir(dir);
});

/** The statement's own sandbox: DAY is over and its file generated (10:00 GMT+8 the next day). */
let sh: Harness;
let shDir: string;
const download = (date: string, gzip: boolean, harness: Harness = sh) =>
  harness.client.send('GET', `/v3/global/statements?date=${date}&mchid=${harness.spMchid}`, {
    headers: gzip ? { 'Accept-Encoding': 'gzip' } : {},
  });

/** The test's own reading of the layout: plain header rows, backtick-prefixed values joined by ",`". */
const parse = (csv: string) => {
  const lines = csv.split(/\r?\n/).filter((l) => l !== '');
  const values = (line: string) => line.slice(1).split(',`');
  const summaryAt = lines.findIndex((l, i) => i > 0 && !l.startsWith('`'));
  const header = (lines[0] ?? '').split(',');
  const rows = lines
    .slice(1, summaryAt)
    .map((l) => Object.fromEntries(values(l).map((v, i) => [header[i] ?? '', v])));
  const summaryHeader = (lines[summaryAt] ?? '').split(',');
  const summary = lines
    .slice(summaryAt + 1)
    .map((l) => Object.fromEntries(values(l).map((v, i) => [summaryHeader[i] ?? '', v])));
  return { header, rows, summaryHeader, summary };
};

describe('statements', () => {
  beforeAll(async () => {
    shDir = tempStateDir();
    sh = await startHarness(shDir, { refundDelaySeconds: { SUCCESS: 0, REFUNDCLOSE: 0, ABNORMAL: 0 } });
    paidIds = await seed(sh);
  });
  afterAll(async () => {
    await sh.close();
    removeDir(shDir);
  });

  it('refuses a day until it has closed in GMT+8 and its file is generated the next morning', async () => {
    // 10:00:01 GMT+8 on DAY: still open.
    const open = await download(DAY, false);
    expect(open.status).toBe(400);
    expect(open.json()).toMatchObject({ code: 'NO_STATEMENT_EXIST' });
    sh.clock.advance(24 * 3600_000 - 2_000); // 09:59:59 the next day: closed, not generated.
    expect((await download(DAY, false)).json()).toMatchObject({ code: 'NO_STATEMENT_EXIST' });
    sh.clock.advance(1_000); // 10:00:00: generated.
    expect((await download(DAY, false)).status).toBe(200);
  });

  it('serves the CSV with its SHA-1 header and a signature over {"sha1":…}, not over the body', async () => {
    const response = await download(DAY, false);
    expect(response.status).toBe(200);
    const sha1 = createHash('sha1').update(response.body).digest('hex');
    expect(response.headers['wechatpay-statement-sha1']).toBe(sha1);
    expect(verifyResponse(response, sh.certificates, Buffer.from(JSON.stringify({ sha1 })))).toBe(true);
    expect(verifyResponse(response, sh.certificates)).toBe(false);
    expect(response.headers['request-id']).toBeTruthy();
  });

  it('gzips on Accept-Encoding: gzip; the SHA-1 is of the uncompressed CSV', async () => {
    const plain = await download(DAY, false);
    const zipped = await download(DAY, true);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    const unzipped = gunzipSync(zipped.body);
    expect(unzipped.equals(plain.body)).toBe(true);
    const sha1 = createHash('sha1').update(unzipped).digest('hex');
    expect(zipped.headers['wechatpay-statement-sha1']).toBe(sha1);
    expect(verifyResponse(zipped, sh.certificates, Buffer.from(JSON.stringify({ sha1 })))).toBe(true);
  });

  it('lists every payment and refund of the day from the ledger, with per-currency totals', async () => {
    const { header, rows, summaryHeader, summary } = parse((await download(DAY, false)).text);
    expect(header.slice(0, 12)).toEqual([
      'Transaction time',
      'Official Account ID',
      'Vendor ID',
      'Sub vendor ID',
      'Device No.',
      'WeChat order No.',
      'Vendor order No.',
      'User identifier',
      'Transaction type',
      'Transaction status',
      'Payment bank',
      'Top-up voucher currency',
    ]);
    expect(header).toHaveLength(38);
    expect(summaryHeader).toEqual([
      'Currency type',
      'Total transaction count',
      'Total amount',
      'Total refund amount',
      'Total fee',
    ]);
    expect(rows).toHaveLength(5);
    const payments = rows.filter((r) => r['Transaction status'] === 'SUCCESS');
    expect(payments.map((r) => r['WeChat order No.'])).toEqual(paidIds);
    expect(payments[0]).toMatchObject({
      'Order amount (pricing currency)': '10.00',
      'Pricing currency': 'HKD',
      'Requested refund amount': '0.00',
      Fee: '0.06',
    });
    const [refund] = rows.filter((r) => r['Transaction status'] === 'REFUND');
    expect(refund).toMatchObject({
      'WeChat order No.': paidIds[1],
      'Requested refund amount': '5.50',
      'Order amount (pricing currency)': '0.00',
    });
    expect(rows[0]?.['Transaction time']).toBe('2026-11-27 10:00:00');
    expect(summary).toEqual([
      {
        'Currency type': 'HKD',
        'Total transaction count': '4',
        'Total amount': '38.50',
        'Total refund amount': '5.50',
        'Total fee': '0.23',
      },
      {
        'Currency type': 'USD',
        'Total transaction count': '1',
        'Total amount': '7.00',
        'Total refund amount': '0.00',
        'Total fee': '0.04',
      },
    ]);
  });

  it('writes the Chinese header when asked, with the same rows', async () => {
    const english = parse((await download(DAY, false)).text);
    expect(await sh.control('POST', '/sandbox/statements', { header: 'zh' })).toMatchObject({ header: 'zh' });
    const chinese = parse((await download(DAY, false)).text);
    await sh.control('POST', '/sandbox/statements', { header: 'en' });
    expect(chinese.header.slice(0, 6)).toEqual([
      '交易时间',
      '公众账号ID',
      '商户号',
      '子商户号',
      '设备号',
      '微信订单号',
    ]);
    expect(chinese.header).toContain('订单金额(标价币种)');
    expect(chinese.summaryHeader[0]).toBe('币种');
    expect(chinese.rows.map((r) => Object.values(r))).toEqual(english.rows.map((r) => Object.values(r)));
  });

  it('refuses a day more than 180 days back with INVALID_REQUEST (today is 20261128)', async () => {
    const old = await download('20260531', false);
    expect(old.status).toBe(400);
    expect(old.json()).toMatchObject({ code: 'INVALID_REQUEST' });
    expect((await download('20260601', false)).json()).toMatchObject({ code: 'NO_STATEMENT_EXIST' });
  });

  it('answers NO_STATEMENT_EXIST for a day without trades, and NO_AUTH for another mchid', async () => {
    const none = await download('20261126', false);
    expect(none.status).toBe(404);
    expect(none.json()['code']).toBe('NO_STATEMENT_EXIST');
    const other = await sh.client.send('GET', `/v3/global/statements?date=${DAY}&mchid=1230000001`);
    expect(other.json()['code']).toBe('NO_AUTH');
    const badDate = await sh.client.send('GET', `/v3/global/statements?date=2026-11-27&mchid=${sh.spMchid}`);
    expect(badDate.json()).toMatchObject({ code: 'PARAM_ERROR', detail: { field: 'date' } });
  });
});

describe('settlements', () => {
  const settlements = (query: string) => h.client.send('GET', `/v3/global/settle/settlements?${query}`);

  it('holds the day’s trades as UNSETTLE, then settles them the next day as one batch per sub-merchant and currency', async () => {
    const unsettled = await settlements(`settle_state=UNSETTLE&sub_mchid=${SUB_MCHID}`);
    expect(unsettled.status).toBe(200);
    expect(verifyResponse(unsettled, h.certificates)).toBe(true);
    const batches = unsettled.json()['data'] as { amount: Record<string, unknown> }[];
    expect(batches.map((b) => b.amount)).toEqual([
      { settled: 0, unsettle: 2979, currency: 'HKD', pay: 3550, refund: 550, net: 2979, fee: 21 },
      { settled: 0, unsettle: 696, currency: 'USD', pay: 700, refund: 0, net: 696, fee: 4 },
    ]);
    const notYet = await settlements(
      `settle_state=SETTLED&settle_start_date=20261128&settle_end_date=20261128`,
    );
    expect(notYet.json()['data']).toEqual([]);

    h.clock.advance(24 * 3600_000);
    const settled = await settlements(
      `settle_state=SETTLED&settle_start_date=20261128&settle_end_date=20261128&limit=2`,
    );
    expect(settled.json()).toMatchObject({ total_count: 3, offset: 0, limit: 2 });
    expect((settled.json()['data'] as unknown[]).length).toBe(2);
    expect(settled.json()['data']).toContainEqual(
      expect.objectContaining({
        settlement_date: '20261128',
        trade_start_date: DAY,
        amount: expect.objectContaining({ settled: 2979, unsettle: 0, currency: 'HKD' }),
      }),
    );
    expect((await settlements('settle_state=UNSETTLE')).json()['data']).toEqual([]);
  });

  it('checks the query: dates required when SETTLED, end ≥ start, limit ≤ 30', async () => {
    const codeOf = async (query: string) => (await settlements(query)).json()['detail'];
    expect(await codeOf('settle_state=SETTLED')).toMatchObject({ field: 'settle_start_date' });
    expect(
      await codeOf('settle_state=SETTLED&settle_start_date=20261128&settle_end_date=20261127'),
    ).toMatchObject({
      field: 'settle_end_date',
    });
    expect(await codeOf('settle_state=UNSETTLE&limit=31')).toMatchObject({ field: 'limit' });
    expect(await codeOf('settle_state=SOMETIMES')).toMatchObject({ field: 'settle_state' });
  });
});
