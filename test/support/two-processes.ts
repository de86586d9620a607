import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import * as E from 'fp-ts/Either';
import type { EventStore } from '../../src/ports';
import { ROOT, type Proc } from './processes';

/**
 * For the specs where this process appends to a log and a child process projects it: the child,
 * events to append, and the clock and percentiles to measure how long an append takes to reach it.
 */

/** Wall-clock ms with sub-ms precision, comparable between processes. */
export const now = (): number => performance.timeOrigin + performance.now();

/** Runs a TypeScript file in a child process, collecting its output. */
export const spawnTsChild = (script: string, args: readonly string[]): Proc => {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
};

const note = (reason: string) => ({
  id: randomUUID(),
  type: 'NotificationUnmatched',
  data: { reason, observedAt: new Date().toISOString() },
  metadata: {
    correlationId: 'c',
    causationId: 'c',
    recordedAt: new Date().toISOString(),
    actor: 'test',
    schemaVersion: 1,
  },
});

/** Appends one small public event on its own stream; resolves with its global position. */
export const appendNote = async (store: EventStore, reason: string): Promise<number> => {
  const appended = await store.append(`notification-${reason}`, [note(reason)], 'no-stream')();
  if (E.isLeft(appended)) throw new Error(JSON.stringify(appended.left));
  return appended.right.position;
};

export const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
