import { describe, expect, it } from 'vitest';
import { StallingError, WaitingError } from '../../../src/operator/errors.ts';
import { WorkQueue } from '../../../src/operator/queue.ts';

/** A promise the test resolves by hand: a reconcile that waits for it stays "running". */
function gate() {
  let open!: () => void;
  const p = new Promise<void>((r) => (open = r));
  return { p, open };
}

describe('WorkQueue', () => {
  it('keeps one entry per key', async () => {
    const runs: string[] = [];
    const q = new WorkQueue({ reconcile: async (k) => void runs.push(k) });
    q.add('a');
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.depth).toBe(2);
    q.start();
    await q.idle();
    expect(runs).toEqual(['a', 'b']);
  });

  it('runs changes before a full resync, and a key queued both ways once, as a change', async () => {
    const runs: string[] = [];
    const q = new WorkQueue({ concurrency: 1, reconcile: async (k) => void runs.push(k) });
    // A new leader: 5 unchanged objects resynced, 2 changes made while no one led (one of them also in the resync).
    for (const k of ['r1', 'r2', 'c1', 'r3', 'r4']) q.addLow(k);
    q.add('c1');
    q.add('c2');
    q.addLow('c2'); // already waiting as a change: stays one
    expect(q.depth).toBe(6);
    q.start();
    await q.idle();
    expect(runs).toEqual(['c1', 'c2', 'r1', 'r2', 'r3', 'r4']);
  });

  it('never runs one key on two workers, and runs it once more when it changed meanwhile', async () => {
    const g = gate();
    let running = 0;
    let maxParallel = 0;
    let runs = 0;
    const q = new WorkQueue({
      concurrency: 4,
      reconcile: async () => {
        runs++;
        running++;
        maxParallel = Math.max(maxParallel, running);
        if (runs === 1) await g.p;
        running--;
      },
    });
    q.start();
    q.add('k');
    await Promise.resolve();
    // Three changes while the first reconcile runs collapse into one more run.
    q.add('k');
    q.add('k');
    q.add('k');
    g.open();
    await q.idle();
    await q.idle();
    expect(runs).toBe(2);
    expect(maxParallel).toBe(1);
  });

  it('bounds concurrency', async () => {
    const g = gate();
    let running = 0;
    let maxParallel = 0;
    const q = new WorkQueue({
      concurrency: 2,
      reconcile: async () => {
        running++;
        maxParallel = Math.max(maxParallel, running);
        await g.p;
        running--;
      },
    });
    for (const k of ['a', 'b', 'c', 'd', 'e']) q.add(k);
    q.start();
    expect(q.active).toBe(2);
    expect(q.depth).toBe(3);
    g.open();
    await q.idle();
    expect(maxParallel).toBe(2);
  });

  it('retries a failing key with per-key exponential backoff and resets it on success', async () => {
    let attempts = 0;
    const outcomes: string[] = [];
    const done = gate();
    const q = new WorkQueue({
      baseDelayMs: 1,
      reconcile: async () => {
        attempts++;
        if (attempts < 4) throw new Error('proxy down');
      },
      onDone: (_k, outcome) => {
        outcomes.push(outcome);
        if (outcome === 'success') done.open();
      },
    });
    q.start();
    expect(q.nextBackoffMs('k')).toBe(1);
    q.add('k');
    await done.p;
    expect(outcomes).toEqual(['error', 'error', 'error', 'success']);
    expect(q.nextBackoffMs('k')).toBe(1);
    q.stop();
  });

  it('doubles the delay per failure up to the cap', async () => {
    const q = new WorkQueue({ reconcile: async () => undefined });
    const delays: number[] = [];
    let n = 0;
    const done = gate();
    const q2 = new WorkQueue({
      baseDelayMs: 5,
      maxDelayMs: 40,
      reconcile: async () => {
        delays.push(q2.nextBackoffMs('k'));
        if (++n === 6) done.open();
        throw new Error('x');
      },
    });
    q2.start();
    q2.add('k');
    await done.p;
    q2.stop();
    // Before each attempt the next delay is base·2^failures, capped.
    expect(delays).toEqual([5, 10, 20, 40, 40, 40]);
    // controller-runtime's default starts at 5 ms.
    expect(q.nextBackoffMs('never')).toBe(5);
  });

  it('does not retry a StallingError (a bad spec waits for the user)', async () => {
    const outcomes: string[] = [];
    const q = new WorkQueue({ baseDelayMs: 1, reconcile: async () => { throw new StallingError('bad spec'); }, onDone: (_k, o) => outcomes.push(o) });
    q.start();
    q.add('k');
    await q.idle();
    await new Promise((r) => setTimeout(r, 20));
    expect(outcomes).toEqual(['stalled']);
    q.stop();
  });

  it('runs a WaitingError again after its delay without growing the backoff', async () => {
    const outcomes: string[] = [];
    const second = gate();
    let runs = 0;
    const q = new WorkQueue({
      baseDelayMs: 1_000_000,
      reconcile: async () => {
        if (++runs === 2) second.open();
        throw new WaitingError('first health check pending', 1);
      },
      onDone: (_k, o) => outcomes.push(o),
    });
    q.start();
    q.add('k');
    await second.p;
    expect(outcomes.slice(0, 1)).toEqual(['waiting']);
    expect(q.nextBackoffMs('k')).toBe(1_000_000);
    q.stop();
  });

  it('requeues after requeueAfterMs on success', async () => {
    let runs = 0;
    const second = gate();
    const q = new WorkQueue({
      reconcile: async () => {
        runs++;
        if (runs === 2) second.open();
        return { requeueAfterMs: runs === 1 ? 1 : 0 };
      },
    });
    q.start();
    q.add('k');
    await second.p;
    expect(runs).toBe(2);
    q.stop();
  });
});
