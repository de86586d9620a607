import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sandboxCommand } from '../../../../src/main/commands/sandbox';
import { removeDir, tempStateDir, waitFor } from './support/harness';
import { readSandboxJson } from './support/wire';

/** Issue 4 §9: `wpg sandbox` starts, prints its base URL and sandbox.json, and stops on SIGINT/SIGTERM. */

const captureStdout = () => {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  return { text: () => chunks.join(''), restore: () => spy.mockRestore() };
};

describe('wpg sandbox', () => {
  it('prints help with --help', async () => {
    const out = captureStdout();
    try {
      expect(await sandboxCommand(['--help'])).toBe(0);
      expect(out.text()).toContain('--time-scale');
      // The faults tests inject are listed, the reverse's included.
      expect(out.text()).toContain('/sandbox/faults/reverse');
      expect(out.text()).toContain('--rotate-certificate-after');
      expect(out.text()).toContain('--unverifiable-rate');
      // The refund controls, outcome delays included, are reachable from the help.
      for (const control of [
        '--refund-delay',
        '--refund-outcome',
        '/sandbox/refunds/transition',
        '/sandbox/refunds/refusals',
        '/sandbox/refunds/delays',
      ]) {
        expect(out.text()).toContain(control);
      }
    } finally {
      out.restore();
    }
  });

  it('refuses an unknown option or a bad value with exit code 2', async () => {
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await sandboxCommand(['--bogus'])).toBe(2);
      expect(await sandboxCommand(['--time-scale', '0'])).toBe(2);
      expect(await sandboxCommand(['--port'])).toBe(2);
      expect(await sandboxCommand(['--unverifiable-rate', '1.5'])).toBe(2);
      expect(await sandboxCommand(['--announce', 'when-signing'])).toBe(2);
      expect(await sandboxCommand(['--rotate-certificate-after', '-1'])).toBe(2);
      expect(await sandboxCommand(['--unverifiable-rate', '0.1', '--unverifiable-as', 'x'])).toBe(2);
      expect(await sandboxCommand(['--refund-delay', 'SOON=5'])).toBe(2);
      expect(await sandboxCommand(['--refund-delay', 'SUCCESS=-1'])).toBe(2);
      expect(await sandboxCommand(['--refund-outcome', 'LATER'])).toBe(2);
    } finally {
      err.mockRestore();
    }
  });

  it('takes the refund outcome delays and default outcome at start', async () => {
    const dir = tempStateDir();
    const out = captureStdout();
    try {
      const running = sandboxCommand([
        '--state-dir',
        dir,
        '--refund-delay=SUCCESS=7,ABNORMAL=9',
        '--refund-outcome',
        'ABNORMAL',
      ]);
      const file = join(dir, 'sandbox.json');
      await waitFor('sandbox.json', () =>
        existsSync(file) && out.text().includes('listening') ? true : undefined,
      );
      const json = readSandboxJson(file);
      const controls = await fetch(`${json.baseUrl}/sandbox/refunds/controls`);
      expect((await controls.json()) as unknown).toMatchObject({
        default_outcome: 'ABNORMAL',
        delay_seconds: { SUCCESS: 7, REFUNDCLOSE: 5, ABNORMAL: 9 },
      });
      process.emit('SIGINT');
      expect(await running).toBe(0);
    } finally {
      out.restore();
      removeDir(dir);
    }
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'runs until %s, printing its base URL and sandbox.json',
    async (signal) => {
      const dir = tempStateDir();
      const out = captureStdout();
      try {
        const running = sandboxCommand(['--port', '0', '--state-dir', dir, '--time-scale', '100']);
        const file = join(dir, 'sandbox.json');
        await waitFor('sandbox.json', () =>
          existsSync(file) && out.text().includes('listening') ? true : undefined,
        );
        const json = readSandboxJson(file);
        expect(out.text()).toContain(json.baseUrl);
        expect(out.text()).toContain(file);
        const alive = await fetch(`${json.baseUrl}/sandbox/time`);
        expect((await alive.json()) as unknown).toMatchObject({ timeScale: 100 });
        process.emit(signal);
        expect(await running).toBe(0);
        await expect(fetch(`${json.baseUrl}/sandbox/time`)).rejects.toThrow();
      } finally {
        out.restore();
        removeDir(dir);
      }
    },
  );
});
