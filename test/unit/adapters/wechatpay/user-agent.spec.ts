import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CLIENT_VERSION,
  isInstanceId,
  resolveConfig,
  userAgentOf,
  type WeChatPayClientConfig,
} from '../../../../src/adapters/wechatpay/config';
import { ROOT } from '../../../support/processes';

/** §1: every request names its sender; with several instances on one log, which instance too. */

const base = {
  baseUrl: 'https://apihk.mch.weixin.qq.com',
  spMchid: '1900000100',
  spAppid: 'wx2421b1c4370ec43b',
  merchantSerial: 'ABC',
  merchantPrivateKeyPem: '',
  apiV3Key: '',
} as unknown as WeChatPayClientConfig;

describe('User-Agent', () => {
  it('names the product, its version and the runtime by default', () => {
    expect(userAgentOf({}, 'v20.18.1')).toBe(`wechatpay-global-core/${CLIENT_VERSION} (Node.js v20.18.1)`);
    expect(resolveConfig(base).userAgent).toBe(
      `wechatpay-global-core/${CLIENT_VERSION} (Node.js ${process.version})`,
    );
  });

  it('names the instance when one is configured', () => {
    expect(userAgentOf({ instanceId: 'pod-7.a_b' }, 'v22.1.0')).toBe(
      `wechatpay-global-core/${CLIENT_VERSION} (Node.js v22.1.0; instance pod-7.a_b)`,
    );
    expect(resolveConfig({ ...base, instanceId: 'i-1' }).userAgent).toBe(
      `wechatpay-global-core/${CLIENT_VERSION} (Node.js ${process.version}; instance i-1)`,
    );
  });

  it('keeps a configured User-Agent, adding the instance after it', () => {
    expect(userAgentOf({ userAgent: 'shop/2.0' })).toBe('shop/2.0');
    expect(userAgentOf({ userAgent: 'shop/2.0', instanceId: 'a' })).toBe('shop/2.0 (instance a)');
  });

  it('refuses an instance id that is empty, too long or has other characters, naming the field only', () => {
    for (const bad of ['', 'x'.repeat(65), 'has space', 'semi;colon', 'paren)', 'ünï']) {
      expect(isInstanceId(bad)).toBe(false);
      expect(() => resolveConfig({ ...base, instanceId: bad })).toThrow(
        /^instanceId must be 1-64 characters/,
      );
    }
    expect(isInstanceId('x'.repeat(64))).toBe(true);
  });

  it('names the version in package.json (bump both together)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(CLIENT_VERSION).toBe(pkg.version);
  });
});
