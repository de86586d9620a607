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

beforeAll(async () => {
  dir = tempStateDir();
  h = await startHarness(dir, { refundDelaySeconds: { SUCCESS: 0, REFUNDCLOSE: 0, ABNORMAL: 0 } });
  const pay = async (total: number, currency: string, subMchid = SUB_MCHID): Promise<string> => {
    const response = await h.client.send('POST', '/v3/global/micropay/transactions/pay', {
      body: payBody(h, { outTradeNo: uniqueNo('st'), authCode: authCode('00'), total, currency, subMchid }),
    });
    return response.json()['id'] as string;
  };
  paidIds = [
    await pay(1000, 'HKD'),
    await pay(2550, 'HKD'),
    await pay(700, 'USD'),
    await pay(300, 'HKD', '1900000110'),
  ];
  await h.client.send('POST', '/v3/global/refunds', {
    body: JSON.stringify({
      sp_mchid: h.spMchid,
      sp_appid: h.spAppid,
      sub_mchid: SUB_MCHID,
      transaction_id: paidIds[1],
      out_refund_no: uniqueNo('R'),
      amount: { refund: 550, total: 2550, currency: 'HKD' },
    }),
  });
  h.clock.advance(1_000);
  await h.sandbox.settle();
});
afterAll(async () => {
  await h.close();
  removeDir(dir);
});

const download = (date: string, gzip: boolean) =>
  h.client.send('GET', `/v3/global/statements?date=${date}&mchid=${h.spMchid}`, {
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
  it('serves the CSV with its SHA-1 header and a signature over {"sha1":…}, not over the body', async () => {
    const response = await download(DAY, false);
    expect(response.status).toBe(200);
    const sha1 = createHash('sha1').update(response.body).digest('hex');
    expect(response.headers['wechatpay-statement-sha1']).toBe(sha1);
    expect(verifyResponse(response, h.certificates, Buffer.from(JSON.stringify({ sha1 })))).toBe(true);
    expect(verifyResponse(response, h.certificates)).toBe(false);
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
    expect(verifyResponse(zipped, h.certificates, Buffer.from(JSON.stringify({ sha1 })))).toBe(true);
  });

  it('lists every payment and refund of the day from the ledger, with per-currency totals', async () => {
    const { header, rows, summaryHeader, summary } = parse((await download(DAY, false)).text);
    expect(header).toEqual(
      expect.arrayContaining([
        'Transaction time',
        'WeChat order number',
        'Total amount',
        'Refund amount',
        'Fee',
      ]),
    );
    expect(summaryHeader).toEqual([
      'Currency type',
      'Total transaction count',
      'Total amount',
      'Total refund amount',
      'Total fee',
    ]);
    expect(rows).toHaveLength(5);
    const payments = rows.filter((r) => r['Transaction status'] === 'SUCCESS');
    expect(payments.map((r) => r['WeChat order number'])).toEqual(paidIds);
    expect(payments[0]).toMatchObject({
      'Total amount': '10.00',
      'Currency type': 'HKD',
      'Refund amount': '0.00',
      Fee: '0.06',
    });
    const [refund] = rows.filter((r) => r['Transaction status'] === 'REFUND');
    expect(refund).toMatchObject({
      'WeChat order number': paidIds[1],
      'Refund amount': '5.50',
      'Total amount': '0.00',
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

  it('answers NO_STATEMENT_EXIST for a day without trades, and NO_AUTH for another mchid', async () => {
    const none = await download('20261126', false);
    expect(none.status).toBe(404);
    expect(none.json()['code']).toBe('NO_STATEMENT_EXIST');
    const other = await h.client.send('GET', `/v3/global/statements?date=${DAY}&mchid=1230000001`);
    expect(other.json()['code']).toBe('NO_AUTH');
    const badDate = await h.client.send('GET', `/v3/global/statements?date=2026-11-27&mchid=${h.spMchid}`);
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
