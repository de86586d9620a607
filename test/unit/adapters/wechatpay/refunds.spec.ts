import type {
  OutRefundNo,
  OutTradeNo,
  RefundId,
  SubMchid,
  TransactionId,
} from '../../../../src/domain/shared/ids';
import { unsafeMoney } from '../../../../src/domain/shared/money';
import { startFakeWeChat, type FakeWeChat } from './support/fake-wechat';
import { refundJson } from './support/samples';
import {
  clientFor,
  signedJson,
  SP_APPID,
  SP_MCHID,
  verifyAuthorization,
  expectStandardHeaders,
} from './support/world';

const SUB = '1900000109' as SubMchid;
const TXN = '4200000000202611261234567890' as TransactionId;
const OUT_TRADE_NO = 'T20261126001' as OutTradeNo;
const OUT_REFUND_NO = 'R20261126001' as OutRefundNo;
const REFUND_ID = '50300000002026112612345678' as RefundId;

let server: FakeWeChat;
beforeEach(async () => {
  server = await startFakeWeChat(() => ({ status: 500 }));
});
afterEach(() => server.close());

describe('refunds (reference §5.5–§5.7)', () => {
  it('refund posts the body with transaction_id preferred and decodes the accepted refund', async () => {
    server.handle = () => signedJson(200, refundJson({ status: undefined, channel: undefined }));
    const { client } = clientFor(server);
    const outcome = await client.gateway.refund({
      subMchid: SUB,
      transactionId: TXN,
      outTradeNo: OUT_TRADE_NO,
      outRefundNo: OUT_REFUND_NO,
      reason: 'cold coffee',
      refund: unsafeMoney(200, 'HKD'),
      total: unsafeMoney(1234, 'HKD'),
      notifyUrl: 'https://merchant.example.com/wechatpay/notify',
    })();
    await client.close();
    const [req] = server.requests;
    expect(req?.method).toBe('POST');
    expect(req?.target).toBe('/v3/global/refunds');
    expect(req?.headers['content-type']).toBe('application/json');
    if (req) expectStandardHeaders(req);
    expect(req?.body).toBe(
      JSON.stringify({
        sp_mchid: SP_MCHID,
        sp_appid: SP_APPID,
        sub_mchid: SUB,
        transaction_id: TXN,
        out_refund_no: OUT_REFUND_NO,
        reason: 'cold coffee',
        amount: { refund: 200, total: 1234, currency: 'HKD' },
        notify_url: 'https://merchant.example.com/wechatpay/notify',
      }),
    );
    expect(outcome).toEqual({
      _tag: 'Success',
      requestId: expect.any(String),
      value: {
        refundId: REFUND_ID,
        outRefundNo: OUT_REFUND_NO,
        transactionId: TXN,
        outTradeNo: OUT_TRADE_NO,
        recvAccount: '支付用户零钱',
        fundSource: 'REFUND_SOURCE_UNSETTLED_FUNDS',
        createTime: '2026-11-26T17:00:00+08:00',
        amount: { refund: 200, currency: 'HKD', payerRefund: 178, payerCurrency: 'CNY' },
      },
    });
  });

  it('refund by out_trade_no when the WeChat id is unknown, with a fund source', async () => {
    server.handle = () => signedJson(200, refundJson());
    const { client } = clientFor(server);
    const outcome = await client.gateway.refund({
      subMchid: SUB,
      outTradeNo: OUT_TRADE_NO,
      outRefundNo: OUT_REFUND_NO,
      source: 'REFUND_SOURCE_RECHARGE_FUNDS',
      refund: unsafeMoney(200, 'HKD'),
      total: unsafeMoney(1234, 'HKD'),
    })();
    await client.close();
    expect(JSON.parse(server.requests[0]?.body ?? '{}')).toEqual({
      sp_mchid: SP_MCHID,
      sp_appid: SP_APPID,
      sub_mchid: SUB,
      out_trade_no: OUT_TRADE_NO,
      out_refund_no: OUT_REFUND_NO,
      source: 'REFUND_SOURCE_RECHARGE_FUNDS',
      amount: { refund: 200, total: 1234, currency: 'HKD' },
    });
    expect(outcome).toMatchObject({ _tag: 'Success', value: { status: 'PROCESSING' } });
  });

  it('refund without any order reference is rejected locally, without a call', async () => {
    const { client } = clientFor(server);
    const outcome = await client.gateway.refund({
      subMchid: SUB,
      outRefundNo: OUT_REFUND_NO,
      refund: unsafeMoney(200, 'HKD'),
      total: unsafeMoney(1234, 'HKD'),
    })();
    await client.close();
    expect(outcome).toMatchObject({ _tag: 'Rejected', httpStatus: 0, code: 'INVALID_ARGUMENT' });
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    [
      'out_refund_no',
      { subMchid: SUB, outRefundNo: OUT_REFUND_NO },
      `/v3/global/refunds/out-refund-no/${OUT_REFUND_NO}`,
    ],
    ['refund id', { subMchid: SUB, refundId: REFUND_ID }, `/v3/global/refunds/id/${REFUND_ID}`],
  ] as const)('query refund by %s', async (_by, ref, path) => {
    server.handle = () => signedJson(200, refundJson({ status: 'REFUNDCLOSE' }));
    const { client } = clientFor(server);
    const outcome = await client.gateway.queryRefund(ref)();
    await client.close();
    const [req] = server.requests;
    expect(req?.method).toBe('GET');
    expect(req?.target).toBe(`${path}?sp_mchid=${SP_MCHID}&sub_mchid=${SUB}`);
    expect(req?.body).toBe('');
    if (req) expectStandardHeaders(req);
    expect(outcome).toMatchObject({
      _tag: 'Success',
      value: { refundId: REFUND_ID, status: 'REFUNDCLOSE', channel: 'ORIGINAL' },
    });
  });

  it('query refund without a status is a malformed answer naming the field', async () => {
    server.handle = () => signedJson(200, refundJson({ status: undefined }));
    const { client } = clientFor(server);
    const outcome = await client.gateway.queryRefund({ subMchid: SUB, outRefundNo: OUT_REFUND_NO })();
    await client.close();
    expect(outcome).toMatchObject({
      _tag: 'Unknown',
      reason: 'MalformedResponse',
      detail: expect.stringContaining('status: expected'),
    });
  });

  it('query all refunds walks every page of at most 20', async () => {
    const refunds = Array.from({ length: 45 }, (_, i) =>
      refundJson({ id: `5030000000${i}`, out_refund_no: `R${i}` }),
    );
    server.handle = (req) => {
      const offset = Number(req.query['offset']);
      const count = Number(req.query['count']);
      const data = refunds.slice(offset, offset + count);
      return signedJson(200, {
        id: TXN,
        sp_mchid: SP_MCHID,
        sub_mchid: SUB,
        out_trade_no: OUT_TRADE_NO,
        amount: { total: 100000, currency: 'HKD', payer_total: 89000, payer_currency: 'CNY' },
        data,
        total_num: refunds.length,
        current_total_num: data.length,
      });
    };
    const { client } = clientFor(server);
    const outcome = await client.gateway.queryAllRefunds({ subMchid: SUB, transactionId: TXN })();
    await client.close();
    expect(server.requests.map((r) => r.target)).toEqual(
      [0, 20, 40].map(
        (offset) =>
          `/v3/global/refunds?transaction_id=${TXN}&offset=${offset}&count=20&sp_mchid=${SP_MCHID}&sub_mchid=${SUB}`,
      ),
    );
    expect(server.requests.every((r) => verifyAuthorization(r).ok)).toBe(true);
    expect(outcome._tag).toBe('Success');
    if (outcome._tag !== 'Success') return;
    expect(outcome.value.transactionId).toBe(TXN);
    expect(outcome.value.outTradeNo).toBe(OUT_TRADE_NO);
    expect(outcome.value.amount).toEqual({ total: 100000, currency: 'HKD' });
    expect(outcome.value.refunds.map((r) => r.outRefundNo)).toEqual(refunds.map((r) => r.out_refund_no));
  });

  it('query all refunds by out_trade_no, one page', async () => {
    server.handle = () =>
      signedJson(200, {
        id: TXN,
        out_trade_no: OUT_TRADE_NO,
        amount: { total: 1234, currency: 'HKD' },
        data: [refundJson()],
        total_num: 1,
        current_total_num: 1,
      });
    const { client } = clientFor(server);
    const outcome = await client.gateway.queryAllRefunds({ subMchid: SUB, outTradeNo: OUT_TRADE_NO })();
    await client.close();
    expect(server.requests.map((r) => r.query)).toEqual([
      { out_trade_no: OUT_TRADE_NO, offset: '0', count: '20', sp_mchid: SP_MCHID, sub_mchid: SUB },
    ]);
    expect(outcome).toMatchObject({ _tag: 'Success', value: { refunds: [{ outRefundNo: OUT_REFUND_NO }] } });
  });

  it('a failed page fails the whole walk with that page’s outcome', async () => {
    server.handle = (req) =>
      req.query['offset'] === '0'
        ? signedJson(200, {
            id: TXN,
            out_trade_no: OUT_TRADE_NO,
            amount: { total: 1234, currency: 'HKD' },
            data: Array.from({ length: 20 }, (_, i) => refundJson({ out_refund_no: `R${i}` })),
            total_num: 30,
            current_total_num: 20,
          })
        : { status: 502, body: '' };
    const { client } = clientFor(server);
    const outcome = await client.gateway.queryAllRefunds({ subMchid: SUB, transactionId: TXN })();
    await client.close();
    expect(outcome).toMatchObject({ _tag: 'Unknown', reason: 'ServerError' });
  });
});
