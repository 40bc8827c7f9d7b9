import { describe, expect, it } from 'vitest';
import { ConnectGate } from '../../../src/proxy/upstream/connect-gate.ts';

/** A set-up that finishes when the test says so. */
function pending() {
  let settle!: (ok: boolean) => void;
  const done = new Promise<void>((resolve, reject) => (settle = (ok) => (ok ? resolve() : reject(new Error('refused')))));
  return { done, settle };
}

describe('ConnectGate', () => {
  it('runs at most `limit` set-ups at once; the others start in arrival order as slots free, also after a failure', async () => {
    const gate = new ConnectGate(2);
    const started: number[] = [];
    const setUps = Array.from({ length: 5 }, () => pending());
    const runs = setUps.map((p, i) => gate.run(async () => {
      started.push(i);
      await p.done;
      return i;
    }));
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(gate.load).toEqual({ running: 2, waiting: 3 });

    setUps[1]!.settle(false); // a failed set-up frees its slot too
    await expect(runs[1]).rejects.toThrow('refused');
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);

    setUps[0]!.settle(true);
    setUps[2]!.settle(true);
    await expect(runs[0]).resolves.toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2, 3, 4]);
    setUps[3]!.settle(true);
    setUps[4]!.settle(true);
    await Promise.all([runs[2], runs[3], runs[4]]);
    expect(gate.load).toEqual({ running: 0, waiting: 0 });
  });
});
