import type { StatementDate, SubMchid } from '../../../../src/domain/shared/ids';
import { startFakeWeChat, type FakeWeChat } from './support/fake-wechat';
import { clientFor, signedJson, expectStandardHeaders } from './support/world';

const SUB = '1900000109' as SubMchid;
const d = (s: string) => s as StatementDate;

let server: FakeWeChat;
beforeEach(async () => {
  server = await startFakeWeChat(() => ({ status: 500 }));
});
afterEach(() => server.close());

const settlement = (i: number) => ({
  batch_id: `B${i}`,
  settlement_date: '20261120',
  trade_start_date: '20261110',
  trade_end_date: '20261116',
  wallet_region: 'CHINA_MAINLAND',
  amount: {
    settled: 100000 + i,
    unsettle: 0,
    currency: 'HKD',
    pay: 120000,
    refund: 15000,
    net: 105000,
    fee: 5000 - i,
  },
});

describe('settlements (reference §5.9)', () => {
  it('SETTLED sends both dates and walks every page of 10', async () => {
    const all = Array.from({ length: 23 }, (_, i) => settlement(i));
    server.handle = (req) => {
      const offset = Number(req.query['offset']);
      const limit = Number(req.query['limit']);
      return signedJson(200, {
        data: all.slice(offset, offset + limit),
        total_count: all.length,
        offset,
        limit,
      });
    };
    const { client } = clientFor(server);
    const outcome = await client.gateway.querySettlements({
      subMchid: SUB,
      settleState: 'SETTLED',
      startDate: d('20261101'),
      endDate: d('20261126'),
    })();
    await client.close();
    expect(server.requests.map((r) => r.target)).toEqual(
      [0, 10, 20].map(
        (o) =>
          `/v3/global/settle/settlements?sub_mchid=${SUB}&settle_state=SETTLED&settle_start_date=20261101&settle_end_date=20261126&offset=${o}&limit=10`,
      ),
    );
    expect(server.requests.every((r) => r.method === 'GET')).toBe(true);
    server.requests.forEach(expectStandardHeaders);
    expect(outcome._tag).toBe('Success');
    if (outcome._tag !== 'Success') return;
    expect(outcome.value).toHaveLength(23);
    expect(outcome.value[0]).toEqual({
      batchId: 'B0',
      settlementDate: '20261120',
      tradeStartDate: '20261110',
      tradeEndDate: '20261116',
      walletRegion: 'CHINA_MAINLAND',
      amount: {
        currency: 'HKD',
        settled: 100000,
        unsettle: 0,
        pay: 120000,
        refund: 15000,
        net: 105000,
        fee: 5000,
      },
    });
  });

  it('UNSETTLE sends no dates, even when given, and may omit sub_mchid', async () => {
    server.handle = () => signedJson(200, { data: [settlement(1)], total_count: 1, offset: 0, limit: 10 });
    const { client } = clientFor(server);
    const outcome = await client.gateway.querySettlements({
      settleState: 'UNSETTLE',
      startDate: d('20261101'),
      endDate: d('20261126'),
    })();
    await client.close();
    expect(server.requests.map((r) => r.target)).toEqual([
      '/v3/global/settle/settlements?settle_state=UNSETTLE&offset=0&limit=10',
    ]);
    expect(outcome).toMatchObject({ _tag: 'Success', value: [{ batchId: 'B1' }] });
  });

  it.each([
    ['a missing start date', { endDate: d('20261126') }],
    ['a missing end date', { startDate: d('20261101') }],
    ['an end before the start', { startDate: d('20261126'), endDate: d('20261101') }],
  ])('SETTLED with %s is rejected before any call', async (_what, dates) => {
    const { client } = clientFor(server);
    const outcome = await client.gateway.querySettlements({ settleState: 'SETTLED', ...dates })();
    await client.close();
    expect(outcome).toMatchObject({ _tag: 'Rejected', httpStatus: 0, code: 'INVALID_ARGUMENT' });
    expect(server.requests).toHaveLength(0);
  });

  it('an empty result is a success with no settlements', async () => {
    server.handle = () => signedJson(200, { total_count: 0, offset: 0, limit: 10 });
    const { client } = clientFor(server);
    const outcome = await client.gateway.querySettlements({ settleState: 'UNSETTLE' })();
    await client.close();
    expect(outcome).toMatchObject({ _tag: 'Success', value: [] });
  });
});
