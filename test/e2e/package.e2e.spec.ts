import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Library use: the build emits JavaScript and .d.ts, and the package's `exports` resolve to them, so
 * a platform can `require('wechatpay-global-core')` and embed the core.
 */
const ROOT = join(__dirname, '..', '..');

describe('the package as a library', () => {
  jest.setTimeout(180_000);

  it('builds, emits declarations, and exports the core factory, the deciders and the codecs', () => {
    const build = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    expect(build.stdout + build.stderr).toBe('');
    expect(build.status).toBe(0);
    expect(existsSync(join(ROOT, 'dist', 'src', 'index.d.ts'))).toBe(true);

    // Resolved through package.json `exports`, as a dependent would.
    const probe = spawnSync(
      process.execPath,
      [
        '-e',
        `const m = require('wechatpay-global-core');
         console.log(JSON.stringify({
           core: typeof m.createPaymentCore,
           client: typeof m.createWeChatPayClient,
           decide: typeof m.Order.decide,
           refundDecide: typeof m.Refund.decide,
           codec: typeof m.Order.OrderEventCodec.decode,
           sqlite: typeof m.createSqliteEventStore,
         }));`,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(probe.stderr).toBe('');
    expect(JSON.parse(probe.stdout)).toEqual({
      core: 'function',
      client: 'function',
      decide: 'function',
      refundDecide: 'function',
      codec: 'function',
      sqlite: 'function',
    });
  });
});
