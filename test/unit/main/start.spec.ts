import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { banner, startCommand, tokenWhereabouts } from '../../../src/main/commands/start';
import type { ServiceConfig } from '../../../src/main/config';
import type { ApiTokenSource, RunningService } from '../../../src/main/service';

/** `wpg start`: a notify URL the client would refuse stops it at once; the banner never shows the token. */

const TOKEN = 'secret-token-0123456789abcdef';

const captureStart = async (env: Record<string, string>): Promise<{ code: number; stderr: string }> => {
  const saved = { ...process.env };
  let stderr = '';
  const write = jest
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    for (const k of Object.keys(process.env)) if (k.startsWith('WPG_')) delete process.env[k];
    Object.assign(process.env, env);
    return { code: await startCommand([]), stderr };
  } finally {
    write.mockRestore();
    process.env = saved;
  }
};

describe('wpg start refuses a notify URL that every refund would be refused for', () => {
  it('exits 2 on WPG_NOTIFY_URL=http://…, naming WPG_NOTIFY_URL and never the token', async () => {
    const run = await captureStart({
      WPG_NOTIFY_URL: 'http://pay.example.com/notifications/wechatpay',
      WPG_API_TOKEN: TOKEN,
      WPG_DATA_DIR: join('/nonexistent', 'never-created'),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^wpg start: invalid configuration:\n {2}- WPG_NOTIFY_URL: expected an https URL/,
    );
    expect(run.stderr).not.toContain(TOKEN);
  });

  it('exits 2 on a lease TTL a saga step cannot fit in, saying how long it must be', async () => {
    const run = await captureStart({
      WPG_EVENT_STORE: 'memory',
      WPG_PORT: '0',
      WPG_HOST: '127.0.0.1',
      WPG_LEASE_TTL_MS: '5000',
      WPG_DATA_DIR: join(mkdtempSync(join(tmpdir(), 'wpg-ttl-')), 'data'),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^wpg start: WPG_LEASE_TTL_MS: 5000 ms is too short: .* at least 19100 ms/);
  });

  it('exits 2 when the embedded sandbox default would be refused, saying what to set', async () => {
    const run = await captureStart({ WPG_HOST: '10.1.2.3', WPG_DATA_DIR: join('/nonexistent', 'x') });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('WPG_NOTIFY_URL: not set, and the default derived from WPG_HOST');
    expect(run.stderr).toContain('Set WPG_NOTIFY_URL');
  });
});

const config = { eventStore: { kind: 'memory' }, instanceId: 'web-1' } as unknown as ServiceConfig;
const service = (apiTokenSource: ApiTokenSource): RunningService =>
  ({ url: 'http://127.0.0.1:8080', apiToken: TOKEN, apiTokenSource }) as unknown as RunningService;

describe('the start banner', () => {
  it.each<[string, ApiTokenSource, RegExp, string]>([
    ['the environment', { kind: 'env' }, /API token {6}from WPG_API_TOKEN \(not shown\)/, '$WPG_API_TOKEN'],
    [
      'a config file',
      { kind: 'config-file', path: '/etc/wpg/config.json' },
      /API token {6}from WPG_API_TOKEN in \/etc\/wpg\/config\.json \(not shown\)/,
      '<WPG_API_TOKEN from your config file>',
    ],
    [
      'the data directory',
      { kind: 'data-dir', path: '/var/wpg/api-token', generated: true },
      /API token {6}generated and kept in \/var\/wpg\/api-token \(mode 600; not shown\)/,
      "$(cat '/var/wpg/api-token')",
    ],
  ])('with a token from %s names where it is kept and never prints it', (_from, source, line, expression) => {
    const text = banner(config, service(source)).join('\n');
    expect(text).not.toContain(TOKEN);
    expect(text).toMatch(line);
    expect(text).toContain(`Authorization: Bearer ${expression}`);
    expect(tokenWhereabouts(source).expression).toBe(expression);
  });

  it('names the instance, as its requests to WeChat do', () => {
    expect(banner(config, service({ kind: 'env' }))).toContain('  instance       web-1');
  });
});
