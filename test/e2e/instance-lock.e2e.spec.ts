import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Proc, freePort, runWpg, waitForOutput, wpg } from '../support/processes';

/**
 * One service process per SQLite log: a second `wpg start` on the same log is refused before it
 * listens, naming the log and the first; readers (`wpg replay`) still work beside the first; and
 * after kill -9 of the first, the OS has dropped its lock and a new service starts.
 */
jest.setTimeout(180_000);

describe('a second service on one SQLite log', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wpg-instance-lock-'));
  const dataDir = join(dir, 'data');
  const running: Proc[] = [];
  const start = async (): Promise<{ proc: Proc; port: number }> => {
    const port = await freePort();
    // The embedded sandbox (no merchant credentials): the lock is all this spec is about.
    const proc = wpg(['start'], {
      WPG_DATA_DIR: dataDir,
      WPG_PORT: String(port),
      WPG_LOG_LEVEL: 'warn',
      WPG_API_TOKEN: 'instance-lock-token-0123456789',
    });
    running.push(proc);
    return { proc, port };
  };
  afterAll(async () => {
    for (const p of running)
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
    await Promise.all(running.map((p) => p.exited));
    rmSync(dir, { recursive: true, force: true });
  });

  it('is refused with exit code 2, and starts once the first is killed -9', async () => {
    const first = await start();
    await waitForOutput(first.proc, /is running/);

    const second = await start();
    expect(await second.proc.exited).toBe(2);
    const refusal = second.proc.output();
    expect(refusal).toContain(
      `the SQLite log ${join(dataDir, 'events.db')} is already driven by another service process`,
    );
    expect(refusal).toContain(`pid ${first.proc.child.pid}`);
    expect(refusal).toContain('One process per SQLite log drives the sagas');
    expect(refusal).toContain('PostgreSQL or EventStoreDB');
    expect(refusal).not.toContain('is running');
    // Refused before listening: nothing ever answered on its port.
    await expect(fetch(`http://127.0.0.1:${second.port}/healthz`)).rejects.toThrow();

    // A reader of the log is no second driver.
    const replay = await runWpg(['replay', '--verify'], { WPG_DATA_DIR: dataDir });
    expect(replay.code).toBe(0);

    first.proc.child.kill('SIGKILL');
    await first.proc.exited;
    const third = await start();
    await waitForOutput(third.proc, /is running/);
    third.proc.child.kill('SIGTERM');
    expect(await third.proc.exited).toBe(0);
  });
});
