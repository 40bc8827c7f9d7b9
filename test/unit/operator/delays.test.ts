import { describe, expect, it } from 'vitest';
import { DelayedKeys } from '../../../src/operator/delays.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('DelayedKeys (one timer for every scheduled key)', () => {
  it('runs each key once, in time order, whatever order they were scheduled in', async () => {
    const fired: string[] = [];
    const d = new DelayedKeys((k) => fired.push(k));
    const now = Date.now();
    for (const [k, ms] of [['c', 30], ['a', 10], ['d', 40], ['b', 20], ['e', 0]] as const) d.schedule(k, now + ms);
    expect(d.size).toBe(5);
    await sleep(80);
    expect(fired).toEqual(['e', 'a', 'b', 'c', 'd']);
    expect(d.size).toBe(0);
  });

  it('keeps the earliest time of a key; a cancelled key does not run', async () => {
    const fired: string[] = [];
    const d = new DelayedKeys((k) => fired.push(k));
    const now = Date.now();
    d.schedule('x', now + 60_000);
    d.schedule('x', now + 10); // earlier wins
    d.schedule('x', now + 120_000); // later is ignored
    expect(d.dueAt('x')).toBe(now + 10);
    d.schedule('gone', now + 5);
    d.cancel('gone');
    await sleep(50);
    expect(fired).toEqual(['x']);
  });

  it('stays correct through compaction of replaced schedules', async () => {
    const fired: string[] = [];
    const d = new DelayedKeys((k) => fired.push(k));
    const now = Date.now();
    // Each key is moved earlier many times: the stale pairs exceed the compaction threshold.
    for (let round = 0; round < 5; round++) for (let i = 0; i < 500; i++) d.schedule(`k${i}`, now + 60_000 - round * 1000 - i);
    for (let i = 0; i < 3; i++) d.schedule(`k${i}`, now + 5 + i);
    expect(d.size).toBe(500);
    await sleep(50);
    expect(fired).toEqual(['k0', 'k1', 'k2']);
    d.clear();
    expect(d.size).toBe(0);
  });
});
