import * as E from 'fp-ts/Either';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Order, Refund } from '../../../src/domain';
import { RefundRequestBodyCodec } from '../../../src/adapters/wechatpay/codecs/requests';
import { hostname } from 'node:os';
import {
  type ServiceConfig,
  defaultInstanceId,
  embeddedNotifyUrl,
  loadConfig,
} from '../../../src/main/config';

const CWD = resolve(tmpdir(), 'wpg-config-cwd');

const MERCHANT = {
  WPG_SP_MCHID: '1900000100',
  WPG_SP_APPID: 'wx2421b1c4370ec43b',
  WPG_MERCHANT_SERIAL: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
  WPG_MERCHANT_PRIVATE_KEY: 'secrets/apiclient_key.pem',
  WPG_APIV3_KEY: 'secrets/apiv3.key',
  WPG_NOTIFY_URL: 'https://pay.example.com/notifications/wechatpay',
} as const;

const ok = (env: Record<string, string | undefined>): ServiceConfig => {
  const r = loadConfig(env, CWD);
  if (E.isLeft(r)) throw new Error(`expected a valid configuration, got: ${r.left.join('; ')}`);
  return r.right;
};

const problems = (env: Record<string, string | undefined>): readonly string[] => {
  const r = loadConfig(env, CWD);
  if (E.isRight(r)) throw new Error('expected the configuration to be refused');
  return r.left;
};

describe('loadConfig defaults', () => {
  it('an empty environment runs on port 8080, SQLite under ./data, the embedded sandbox and default policies', () => {
    const c = ok({});
    expect(c.port).toBe(8080);
    expect(c.host).toBe('127.0.0.1');
    expect(c.dataDir).toBe(join(CWD, 'data'));
    expect(c.eventStore).toEqual({ kind: 'sqlite', path: join(CWD, 'data', 'events.db') });
    expect(c.sandbox).toBe('embedded');
    expect(c.merchant).toBeUndefined();
    expect(c.apiToken).toBeUndefined();
    expect(c.notifyUrl).toBeUndefined();
    expect(c.merchantCategoryCode).toBe('5812');
    expect(c.payPolicy).toEqual(Order.defaultPayPolicy);
    expect(c.refundPolicy).toEqual(Refund.defaultRefundPolicy);
    expect(c.timeScale).toBe(1);
    expect(c.logLevel).toBe('info');
  });

  it('an empty string counts as unset', () => {
    const c = ok({ WPG_PORT: '', WPG_DATA_DIR: '', WPG_SANDBOX: '' });
    expect(c.port).toBe(8080);
    expect(c.dataDir).toBe(join(CWD, 'data'));
    expect(c.sandbox).toBe('embedded');
  });

  it('the data directory is resolved against the working directory and moves the default store with it', () => {
    const c = ok({ WPG_DATA_DIR: 'var/wpg' });
    expect(c.dataDir).toBe(join(CWD, 'var', 'wpg'));
    expect(c.eventStore).toEqual({ kind: 'sqlite', path: join(CWD, 'var', 'wpg', 'events.db') });
  });

  it('takes the port, host, token, log level and store as given', () => {
    const c = ok({
      WPG_PORT: '0',
      WPG_HOST: '0.0.0.0',
      WPG_API_TOKEN: 'a-token-of-sixteen-chars',
      WPG_LOG_LEVEL: 'warn',
      WPG_EVENT_STORE: 'memory',
      WPG_MERCHANT_CATEGORY_CODE: '5411',
    });
    expect(c).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      apiToken: 'a-token-of-sixteen-chars',
      logLevel: 'warn',
      eventStore: { kind: 'memory' },
      merchantCategoryCode: '5411',
    });
  });
});

describe('loadConfig sandbox or merchant mode', () => {
  it('chooses the embedded sandbox when no merchant credential is set', () => {
    expect(ok({ WPG_NOTIFY_URL: 'https://pay.example.com/n' }).sandbox).toBe('embedded');
  });

  it('chooses merchant mode when the credentials are set, resolving key paths against the working directory', () => {
    const c = ok({ ...MERCHANT });
    expect(c.sandbox).toBe('off');
    expect(c.merchant).toEqual({
      baseUrl: 'https://apihk.mch.weixin.qq.com',
      spMchid: MERCHANT.WPG_SP_MCHID,
      spAppid: MERCHANT.WPG_SP_APPID,
      merchantSerial: MERCHANT.WPG_MERCHANT_SERIAL,
      merchantPrivateKeyPath: join(CWD, 'secrets', 'apiclient_key.pem'),
      apiV3KeyPath: join(CWD, 'secrets', 'apiv3.key'),
    });
    expect(c.notifyUrl).toBe(MERCHANT.WPG_NOTIFY_URL);
  });

  it('keeps the optional base URL, pinned certificate and platform public key', () => {
    const c = ok({
      ...MERCHANT,
      WPG_WECHATPAY_BASE_URL: 'https://apius.mch.weixin.qq.com',
      WPG_PLATFORM_CERTIFICATE: 'secrets/platform.pem',
      WPG_PLATFORM_PUBLIC_KEY: 'secrets/pub.pem',
      WPG_PLATFORM_PUBLIC_KEY_ID: 'PUB_KEY_ID_0114232134912410000000000000',
    });
    expect(c.merchant).toMatchObject({
      baseUrl: 'https://apius.mch.weixin.qq.com',
      platformCertificatePath: join(CWD, 'secrets', 'platform.pem'),
      platformPublicKey: {
        id: 'PUB_KEY_ID_0114232134912410000000000000',
        path: join(CWD, 'secrets', 'pub.pem'),
      },
    });
  });

  it.each(Object.keys(MERCHANT))('merchant mode without %s names it as a problem', (name) => {
    const env: Record<string, string | undefined> = { ...MERCHANT, WPG_SANDBOX: 'off', [name]: undefined };
    expect(problems(env)).toEqual([expect.stringMatching(new RegExp(`^${name}: missing`))]);
  });

  it('WPG_SANDBOX=off with nothing else lists every credential setting at once', () => {
    const p = problems({ WPG_SANDBOX: 'off' });
    for (const name of Object.keys(MERCHANT))
      expect(p.some((line) => line.startsWith(`${name}: missing`))).toBe(true);
  });

  it('refuses the embedded sandbox together with merchant credentials', () => {
    expect(problems({ ...MERCHANT, WPG_SANDBOX: 'embedded' })).toEqual([
      expect.stringContaining('WPG_SANDBOX: embedded, but merchant credentials are set'),
    ]);
  });

  it('refuses a platform public key without its id, and an id that is not PUB_KEY_ID_…', () => {
    expect(problems({ ...MERCHANT, WPG_PLATFORM_PUBLIC_KEY: 'pub.pem' })).toEqual([
      expect.stringContaining('WPG_PLATFORM_PUBLIC_KEY and WPG_PLATFORM_PUBLIC_KEY_ID: set both or neither'),
    ]);
    expect(
      problems({ ...MERCHANT, WPG_PLATFORM_PUBLIC_KEY: 'pub.pem', WPG_PLATFORM_PUBLIC_KEY_ID: 'KEY1' }).some(
        (p) => p.startsWith('WPG_PLATFORM_PUBLIC_KEY_ID: expected PUB_KEY_ID_'),
      ),
    ).toBe(true);
  });

  it('refuses a malformed merchant id, serial and base URL, each by name', () => {
    const p = problems({
      ...MERCHANT,
      WPG_SP_MCHID: 'abc',
      WPG_MERCHANT_SERIAL: 'not-hex!',
      WPG_WECHATPAY_BASE_URL: 'ftp://example.com',
    });
    expect(p.map((line) => line.split(':')[0])).toEqual(
      expect.arrayContaining(['WPG_SP_MCHID', 'WPG_MERCHANT_SERIAL', 'WPG_WECHATPAY_BASE_URL']),
    );
  });
});

describe('loadConfig problems', () => {
  it('lists every invalid setting in one answer, in the order they are read', () => {
    const p = problems({
      WPG_PORT: 'abc',
      WPG_HOST: ' ',
      WPG_SANDBOX: 'maybe',
      WPG_MERCHANT_CATEGORY_CODE: '58',
      WPG_LOG_LEVEL: 'loud',
      WPG_EVENT_STORE: 'mysql://db',
    });
    expect(p.map((line) => line.split(/[: ]/)[0])).toEqual([
      'WPG_PORT',
      'WPG_HOST',
      'WPG_EVENT_STORE',
      'WPG_SANDBOX',
      'WPG_MERCHANT_CATEGORY_CODE',
      'WPG_LOG_LEVEL',
    ]);
    expect(p[0]).toBe('WPG_PORT: expected integer 0..65535, got "abc"');
  });

  it('never repeats the value of a key or token setting', () => {
    const p = problems({ WPG_API_TOKEN: 'short-secret' });
    expect(p).toEqual(['WPG_API_TOKEN: expected at least 16 characters']);
    expect(p.join('\n')).not.toContain('short-secret');
  });

  it('a port out of range is refused', () => {
    expect(problems({ WPG_PORT: '65536' })).toEqual(['WPG_PORT: expected integer 0..65535, got "65536"']);
  });
});

describe('loadConfig WPG_TIME_SCALE', () => {
  it('accepts a speed-up with the embedded sandbox, fractions included', () => {
    expect(ok({ WPG_TIME_SCALE: '20' }).timeScale).toBe(20);
    expect(ok({ WPG_TIME_SCALE: '2.5' }).timeScale).toBe(2.5);
  });

  it.each(['0', '0.5', '10001', 'fast'])('refuses %s (1..10000 only)', (value) => {
    expect(problems({ WPG_TIME_SCALE: value })).toEqual([
      `WPG_TIME_SCALE: expected number 1..10000, got ${JSON.stringify(value)}`,
    ]);
  });

  it('refuses any speed-up against the real API', () => {
    expect(problems({ ...MERCHANT, WPG_TIME_SCALE: '20' })).toEqual([
      expect.stringMatching(/^WPG_TIME_SCALE: only allowed with .*sandbox/),
    ]);
    expect(ok({ ...MERCHANT, WPG_TIME_SCALE: '1' }).timeScale).toBe(1);
  });
});

describe('loadConfig WPG_INSTANCE_ID', () => {
  it('takes an id of letters, digits, dots, underscores and dashes, up to 64 characters', () => {
    expect(ok({ WPG_INSTANCE_ID: 'web-1.eu_west' }).instanceId).toBe('web-1.eu_west');
    expect(ok({ WPG_INSTANCE_ID: 'x'.repeat(64) }).instanceId).toBe('x'.repeat(64));
  });

  it.each(['has space', 'x'.repeat(65), 'a;b', 'pod(1)', 'ünï'])(
    'refuses %j, naming the setting',
    (value) => {
      expect(problems({ WPG_INSTANCE_ID: value })).toEqual([
        `WPG_INSTANCE_ID: expected 1-64 characters of A-Z, a-z, 0-9, ".", "_" and "-", got ${JSON.stringify(value)}`,
      ]);
    },
  );

  it('defaults to <hostname>-<pid>-<4 random hex>, a fresh random part each time', () => {
    const first = ok({}).instanceId;
    expect(first).toMatch(new RegExp(`^[A-Za-z0-9._-]{1,64}-${process.pid}-[0-9a-f]{4}$`));
    expect(first).toBe(defaultInstanceId(hostname(), process.pid, first.slice(-4)));
    const ids = new Set(Array.from({ length: 20 }, () => ok({}).instanceId));
    expect(ids.size).toBeGreaterThan(1);
    expect(ok({ WPG_INSTANCE_ID: '' }).instanceId).toMatch(/-[0-9a-f]{4}$/);
  });

  it('keeps a default from an odd or long hostname to the allowed characters and length', () => {
    expect(defaultInstanceId('büro pc.local', 42, 'beef')).toBe('b-ro-pc.local-42-beef');
    expect(defaultInstanceId('---', 7, '0a0a')).toBe('wpg-7-0a0a');
    const long = defaultInstanceId('h'.repeat(300), 4_194_304, 'abcd');
    expect(long).toHaveLength(64);
    expect(long).toMatch(/^h+-4194304-abcd$/);
  });
});

describe('loadConfig pay policy', () => {
  it('takes poll timings and the deadline from the environment', () => {
    expect(
      ok({ WPG_PAY_FIRST_POLL_MS: '3000', WPG_PAY_POLL_INTERVAL_MS: '4000', WPG_PAY_DEADLINE_MS: '45000' })
        .payPolicy,
    ).toEqual({
      ...Order.defaultPayPolicy,
      firstPollAfterMs: 3000,
      pollIntervalMs: 4000,
      deadlineMs: 45_000,
    });
  });

  it('refuses a deadline beyond 45 s, when WeChat revokes the order itself', () => {
    expect(problems({ WPG_PAY_DEADLINE_MS: '45001' })).toEqual([
      'WPG_PAY_DEADLINE_MS: expected integer 1..45000, got "45001"',
    ]);
  });

  it('refuses poll delays that are not positive integers', () => {
    const p = problems({ WPG_PAY_FIRST_POLL_MS: '0', WPG_PAY_POLL_INTERVAL_MS: '2.5' });
    expect(p.map((line) => line.split(':')[0])).toEqual([
      'WPG_PAY_FIRST_POLL_MS',
      'WPG_PAY_POLL_INTERVAL_MS',
    ]);
  });
});

describe('loadConfig from WPG_CONFIG_FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wpg-config-'));
  const file = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('reads the same names from a JSON file, numbers included', () => {
    const path = file(
      'plain.json',
      JSON.stringify({ WPG_PORT: 9090, WPG_LOG_LEVEL: 'debug', WPG_PAY_DEADLINE_MS: 40000 }),
    );
    const c = ok({ WPG_CONFIG_FILE: path });
    expect(c.port).toBe(9090);
    expect(c.logLevel).toBe('debug');
    expect(c.payPolicy.deadlineMs).toBe(40_000);
  });

  it('the environment wins over the file', () => {
    const path = file('both.json', JSON.stringify({ WPG_PORT: 9090, WPG_HOST: '0.0.0.0' }));
    const c = ok({ WPG_CONFIG_FILE: path, WPG_PORT: '7070' });
    expect(c.port).toBe(7070);
    expect(c.host).toBe('0.0.0.0');
  });

  it('a file value that is invalid is reported like an environment value', () => {
    const path = file('bad-value.json', JSON.stringify({ WPG_PAY_DEADLINE_MS: 60000 }));
    expect(problems({ WPG_CONFIG_FILE: path })).toEqual([
      'WPG_PAY_DEADLINE_MS: expected integer 1..45000, got "60000"',
    ]);
  });

  it('an unreadable or non-JSON file is a problem named WPG_CONFIG_FILE, listed with the others', () => {
    const broken = file('broken.json', '{ not json');
    const p = problems({ WPG_CONFIG_FILE: broken, WPG_PORT: 'abc' });
    expect(p[0]).toMatch(/^WPG_CONFIG_FILE: /);
    expect(p[1]).toMatch(/^WPG_PORT: /);
    expect(problems({ WPG_CONFIG_FILE: join(dir, 'absent.json') })[0]).toMatch(/^WPG_CONFIG_FILE: /);
  });
});

describe('the notify URL rule at start (the client refuses any other on every refund)', () => {
  it.each([
    ['http://pay.example.com/notifications/wechatpay', 'plain http'],
    ['https://pay.example.com/notify?merchant=1', 'query string'],
    ['ftp://pay.example.com/notify', 'not an https URL'],
    [`https://pay.example.com/${'n'.repeat(260)}`, 'longer than 256'],
  ])('refuses WPG_NOTIFY_URL=%s (%s), naming the setting and the rule', (url) => {
    const p = problems({ ...MERCHANT, WPG_NOTIFY_URL: url });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^WPG_NOTIFY_URL: expected an https URL without a query string/);
  });

  it('accepts https without a query, and http only to loopback (a local sandbox)', () => {
    expect(ok({ ...MERCHANT }).notifyUrl).toBe(MERCHANT.WPG_NOTIFY_URL);
    for (const url of [
      'http://127.0.0.1:8080/notifications/wechatpay',
      'http://localhost:3000/n',
      'http://[::1]:8080/n',
    ])
      expect(ok({ WPG_NOTIFY_URL: url }).notifyUrl).toBe(url);
  });

  it('checks the embedded sandbox default derived from WPG_HOST, and says what to set', () => {
    const p = problems({ WPG_HOST: '192.168.1.20', WPG_PORT: '9000' });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^WPG_NOTIFY_URL: not set, and the default derived from WPG_HOST/);
    expect(p[0]).toContain('http://192.168.1.20:9000/notifications/wechatpay');
    expect(p[0]).toContain('Set WPG_NOTIFY_URL');
    expect(ok({ WPG_HOST: '192.168.1.20', WPG_NOTIFY_URL: 'http://127.0.0.1:9000/n' }).host).toBe(
      '192.168.1.20',
    );
  });

  it('reaches a service listening on every interface through loopback', () => {
    expect(ok({ WPG_HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(embeddedNotifyUrl('0.0.0.0', 8080)).toBe('http://127.0.0.1:8080/notifications/wechatpay');
    expect(embeddedNotifyUrl('::', 8080)).toBe('http://[::1]:8080/notifications/wechatpay');
    expect(embeddedNotifyUrl('127.0.0.1', 8080)).toBe('http://127.0.0.1:8080/notifications/wechatpay');
  });

  it('is the same rule the client applies to every refund request', () => {
    for (const url of [
      'http://pay.example.com/n',
      'https://pay.example.com/n?x=1',
      'https://pay.example.com/n',
    ]) {
      const refused = E.isLeft(loadConfig({ ...MERCHANT, WPG_NOTIFY_URL: url }, CWD));
      const body = {
        sp_mchid: '1900000100',
        sp_appid: 'wx2421b1c4370ec43b',
        sub_mchid: '1900000109',
        out_refund_no: 'R1',
        transaction_id: '4200000000000000000000000001',
        amount: { refund: 1, total: 1, currency: 'HKD' },
        notify_url: url,
      };
      expect({ url, refused }).toEqual({ url, refused: E.isLeft(RefundRequestBodyCodec.decode(body)) });
    }
  });
});

describe('where the API token came from (the banner names it, never the token)', () => {
  it('records the environment or the config file as the source', () => {
    expect(ok({ WPG_API_TOKEN: 'env-token-0123456789' }).apiTokenSource).toEqual({ kind: 'env' });
    const dir = mkdtempSync(join(tmpdir(), 'wpg-token-'));
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify({ WPG_API_TOKEN: 'file-token-0123456789' }));
    expect(ok({ WPG_CONFIG_FILE: path }).apiTokenSource).toEqual({ kind: 'config-file', path });
    expect(ok({}).apiTokenSource).toBeUndefined();
  });
});

describe('loadConfig: platform certificate downloads', () => {
  it('defaults to a 5 s floor and at most 10 downloads a minute, and takes other values', () => {
    expect(ok({}).certificateTrust).toEqual({ minRefreshIntervalMs: 5_000, maxDownloadsPerMinute: 10 });
    expect(
      ok({ WPG_CERTIFICATE_MIN_REFRESH_MS: '2000', WPG_CERTIFICATE_DOWNLOADS_PER_MINUTE: '4' })
        .certificateTrust,
    ).toEqual({ minRefreshIntervalMs: 2_000, maxDownloadsPerMinute: 4 });
  });

  it('refuses a bound of 0 or a negative floor', () => {
    expect(problems({ WPG_CERTIFICATE_DOWNLOADS_PER_MINUTE: '0' })[0]).toContain(
      'WPG_CERTIFICATE_DOWNLOADS_PER_MINUTE',
    );
    expect(problems({ WPG_CERTIFICATE_MIN_REFRESH_MS: '-1' })[0]).toContain('WPG_CERTIFICATE_MIN_REFRESH_MS');
  });
});

describe('loadConfig WPG_LEASE_TTL_MS', () => {
  it('takes whole milliseconds from 3 s to 10 min, and leaves the default to the service', () => {
    expect(ok({ WPG_LEASE_TTL_MS: '20000' }).leaseTtlMs).toBe(20_000);
    expect(ok({}).leaseTtlMs).toBeUndefined();
    expect(problems({ WPG_LEASE_TTL_MS: '100' })).toEqual([
      expect.stringMatching(/^WPG_LEASE_TTL_MS: expected/),
    ]);
  });
});
