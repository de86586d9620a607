import type { SandboxOptions } from '../../../../src/adapters/sandbox';
import {
  authCode,
  payBody,
  queryTarget,
  removeDir,
  startHarness,
  tempStateDir,
  uniqueNo,
} from './support/harness';
import { verifyResponse } from './support/wire';

/** Reference §5.1, §12.1: how USERPAYING is represented is a setting, since v3 Global leaves it UNCONFIRMED. */

let dir: string;
beforeAll(() => {
  dir = tempStateDir();
});
afterAll(() => removeDir(dir));

const payingAnswer = async (userPayingAs: NonNullable<SandboxOptions['userPayingAs']>) => {
  const h = await startHarness(dir, { userPayingAs });
  try {
    const outTradeNo = uniqueNo('up');
    const pay = await h.client.send('POST', '/v3/global/micropay/transactions/pay', {
      body: payBody(h, { outTradeNo, authCode: authCode('01', 10) }),
    });
    expect(verifyResponse(pay, h.certificates)).toBe(true);
    const query = await h.client.send('GET', queryTarget(h, outTradeNo));
    return { pay, query };
  } finally {
    await h.close();
  }
};

describe('USERPAYING representation', () => {
  it('http202: 202 with the order, trade_state USERPAYING', async () => {
    const { pay, query } = await payingAnswer('http202');
    expect(pay.status).toBe(202);
    expect(pay.json()['trade_state']).toBe('USERPAYING');
    expect(query.json()['trade_state']).toBe('USERPAYING');
  });

  it('errorCode: an error answer with code USERPAYING', async () => {
    const { pay, query } = await payingAnswer('errorCode');
    expect(pay.status).toBe(403);
    expect(pay.json()['code']).toBe('USERPAYING');
    expect(query.status).toBe(200);
    expect(query.json()['trade_state']).toBe('USERPAYING');
  });

  it('tradeState: 200 with trade_state USERPAYING', async () => {
    const { pay } = await payingAnswer('tradeState');
    expect(pay.status).toBe(200);
    expect(pay.json()['trade_state']).toBe('USERPAYING');
  });
});
