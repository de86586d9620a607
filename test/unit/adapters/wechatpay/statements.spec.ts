import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { StatementDate } from '../../../../src/domain/shared/ids';
import { signedHeaders, startFakeWeChat, type FakeWeChat, type Reply } from './support/fake-wechat';
import { sampleStatement } from './support/statement';
import {
  clientFor,
  errorJson,
  NOW_S,
  platformSigner,
  SP_MCHID,
  expectStandardHeaders,
} from './support/world';

const DATE = '20261126' as StatementDate;
const csv = sampleStatement();
const sha1 = createHash('sha1').update(csv).digest('hex');

let server: FakeWeChat;
beforeEach(async () => {
  server = await startFakeWeChat(() => ({ status: 500 }));
});
afterEach(() => server.close());

/** WeChat signs `{"sha1":"…"}`, not the file (reference §3 "Statement download"). */
const statementReply = (options: {
  gzip: boolean;
  body?: Buffer;
  sha1?: string;
  signedOver?: string;
}): Reply => {
  const digest = options.sha1 ?? sha1;
  const plain = Buffer.from(csv);
  return {
    status: 200,
    headers: {
      'Content-Type': 'text/plain;charset=utf-8',
      ...(options.gzip ? { 'Content-Encoding': 'gzip' } : {}),
      'Wechatpay-Statement-Sha1': digest,
      ...signedHeaders(platformSigner, options.signedOver ?? `{"sha1":"${digest}"}`, {
        timestampSeconds: NOW_S,
      }),
    },
    body: options.body ?? (options.gzip ? gzipSync(plain) : plain),
  };
};

describe('statement download (reference §5.8)', () => {
  it.each([
    ['gzip', true],
    ['plain text', false],
  ])('downloads, checks and parses a %s statement', async (_kind, gzip) => {
    server.handle = () => statementReply({ gzip });
    const { client } = clientFor(server);
    const outcome = await client.gateway.downloadStatement(DATE)();
    await client.close();
    const [req] = server.requests;
    expect(req?.method).toBe('GET');
    expect(req?.target).toBe(`/v3/global/statements?date=${DATE}&mchid=${SP_MCHID}`);
    expect(req?.headers['accept-encoding']).toBe('gzip');
    if (req) expectStandardHeaders(req);
    expect(outcome._tag).toBe('Success');
    if (outcome._tag !== 'Success') return;
    expect(outcome.value.date).toBe(DATE);
    expect(outcome.value.sha1).toBe(sha1);
    expect(outcome.value.rows).toHaveLength(3);
    expect(outcome.value.rows[1]).toMatchObject({ outRefundNo: 'R20261126001', refundAmount: 200 });
    expect(outcome.value.summary.totalCount).toBe(3);
  });

  it('recognises gzip by its magic bytes when no Content-Encoding is sent', async () => {
    server.handle = () => {
      const r = statementReply({ gzip: true });
      const { ['Content-Encoding']: _dropped, ...headers } = r.headers ?? {};
      return { ...r, headers: { ...headers, 'Content-Type': 'application/gzip' } };
    };
    const { client } = clientFor(server);
    const outcome = await client.gateway.downloadStatement(DATE)();
    await client.close();
    expect(outcome._tag).toBe('Success');
  });

  it('can send the merchant id as sp_mchid (UNCONFIRMED §12.8)', async () => {
    server.handle = () => statementReply({ gzip: false });
    const { client } = clientFor(server, { statementMerchantIdParam: 'sp_mchid' });
    await client.gateway.downloadStatement(DATE)();
    await client.close();
    expect(server.requests[0]?.target).toBe(`/v3/global/statements?date=${DATE}&sp_mchid=${SP_MCHID}`);
  });

  it('a file whose SHA-1 differs from the signed header is Unknown', async () => {
    const altered = Buffer.from(csv.replace('12.34', '12.43'));
    server.handle = () => statementReply({ gzip: true, body: gzipSync(altered) });
    const { client } = clientFor(server);
    const outcome = await client.gateway.downloadStatement(DATE)();
    await client.close();
    expect(outcome).toMatchObject({
      _tag: 'Unknown',
      reason: 'UnverifiedResponse',
      detail: expect.stringContaining('SHA-1'),
    });
  });

  it('a SHA-1 header the signature does not cover is Unknown', async () => {
    const forged = createHash('sha1').update('other').digest('hex');
    server.handle = () => ({
      ...statementReply({ gzip: false, sha1: forged, signedOver: `{"sha1":"${sha1}"}` }),
    });
    const { client } = clientFor(server);
    const outcome = await client.gateway.downloadStatement(DATE)();
    await client.close();
    expect(outcome).toMatchObject({
      _tag: 'Unknown',
      reason: 'UnverifiedResponse',
      detail: 'response signature does not verify',
    });
  });

  it('a signature over the body instead of the digest JSON is Unknown', async () => {
    server.handle = () => statementReply({ gzip: false, signedOver: csv });
    const { client } = clientFor(server);
    const outcome = await client.gateway.downloadStatement(DATE)();
    await client.close();
    expect(outcome).toMatchObject({ _tag: 'Unknown', reason: 'UnverifiedResponse' });
  });

  it('a missing SHA-1 header is Unknown', async () => {
    server.handle = () => {
      const r = statementReply({ gzip: false });
      const { ['Wechatpay-Statement-Sha1']: _dropped, ...headers } = r.headers ?? {};
      return { ...r, headers };
    };
    const { client } = clientFor(server);
    const outcome = await client.gateway.downloadStatement(DATE)();
    await client.close();
    expect(outcome).toMatchObject({ _tag: 'Unknown', reason: 'UnverifiedResponse' });
  });

  it('a gzip body that does not inflate is a malformed answer', async () => {
    const broken = gzipSync(Buffer.from(csv)).subarray(0, 40);
    server.handle = () =>
      statementReply({ gzip: true, body: Buffer.concat([broken, Buffer.from('garbage')]) });
    const { client } = clientFor(server);
    const outcome = await client.gateway.downloadStatement(DATE)();
    await client.close();
    expect(outcome).toMatchObject({ _tag: 'Unknown', reason: 'MalformedResponse' });
  });

  it('a verified file that is not the documented layout is a malformed answer', async () => {
    const text = 'hello,world\n`a,`b\n';
    const digest = createHash('sha1').update(text).digest('hex');
    server.handle = () => ({ ...statementReply({ gzip: false, sha1: digest }), body: Buffer.from(text) });
    const { client } = clientFor(server);
    const outcome = await client.gateway.downloadStatement(DATE)();
    await client.close();
    expect(outcome).toMatchObject({
      _tag: 'Unknown',
      reason: 'MalformedResponse',
      detail: expect.stringContaining('missing required columns'),
    });
  });

  it('NO_STATEMENT_EXIST is NotFound on 404 and Rejected on 400', async () => {
    server.handle = () => errorJson(404, 'NO_STATEMENT_EXIST', '账单不存在');
    const { client } = clientFor(server);
    expect(await client.gateway.downloadStatement(DATE)()).toMatchObject({
      _tag: 'NotFound',
      code: 'NO_STATEMENT_EXIST',
    });
    server.handle = () => errorJson(400, 'NO_STATEMENT_EXIST', '账单不存在');
    expect(await client.gateway.downloadStatement(DATE)()).toMatchObject({
      _tag: 'Rejected',
      httpStatus: 400,
      code: 'NO_STATEMENT_EXIST',
      message: '账单不存在',
    });
    await client.close();
  });
});
