import { describe, expect, it } from 'vitest';
import { ReplicaGuard, ReplicaUnavailableError } from '../../../src/operator/targets/replica-guard.ts';

class NoAnswer extends Error {}
const guard = (o: { concurrency?: number; maxWaiting?: number; onStateChange?: (open: boolean) => void } = {}) => new ReplicaGuard({ ...o, isUnanswered: (e) => e instanceof NoAnswer });
const never = () => new Promise<never>(() => {});

describe('ReplicaGuard (per-replica isolation)', () => {
  it('opens after two unanswered calls and then refuses at once; an HTTP error is an answer', async () => {
    const changes: boolean[] = [];
    const g = guard({ onStateChange: (open) => changes.push(open) });
    await expect(g.run(async () => { throw new Error('409'); })).rejects.toThrow('409');
    await expect(g.run(async () => { throw new NoAnswer('timeout'); })).rejects.toThrow('timeout');
    expect(g.open).toBe(false);
    await expect(g.run(async () => { throw new NoAnswer('timeout'); })).rejects.toThrow('timeout');
    expect(g.open).toBe(true);
    let called = false;
    await expect(g.run(async () => { called = true; })).rejects.toBeInstanceOf(ReplicaUnavailableError);
    expect(called).toBe(false);
    // The health probe still reaches it; its answer closes the circuit.
    await g.probe(async () => 'state');
    expect(g.open).toBe(false);
    expect(changes).toEqual([true, false]);
  });

  it('bounds calls in flight and waiting; a full queue refuses instead of piling up', async () => {
    const g = guard({ concurrency: 2, maxWaiting: 1 });
    let started = 0;
    const hang = () => { started++; return never(); };
    void g.run(hang);
    void g.run(hang);
    void g.run(hang); // waits
    await expect(g.run(hang)).rejects.toThrow(/busy/);
    expect(started).toBe(2);
    expect(g.waiting).toBe(1);
  });

  it('calls waiting behind hung ones are refused once the circuit opens', async () => {
    const g = guard({ concurrency: 2 });
    const fail: (() => void)[] = [];
    const hung = () => new Promise<never>((_r, reject) => fail.push(() => reject(new NoAnswer('timeout'))));
    const a = g.run(hung);
    const b = g.run(hung);
    let reached = false;
    const c = g.run(async () => { reached = true; });
    for (const f of fail) f();
    await Promise.allSettled([a, b]);
    await expect(c).rejects.toBeInstanceOf(ReplicaUnavailableError);
    expect(reached).toBe(false);
  });
});
