/** The per-session event store keeps its bounds and never replays across a gap (mcp/event-store.ts). */
import { describe, expect, it } from 'vitest';
import { EVENT_STORE_BOUNDS, requestIdOfStream, SessionEventStore } from '../../../src/proxy/mcp/event-store.ts';

describe('SessionEventStore', () => {
  it('holds at most maxEvents events and maxBytes bytes, dropping the oldest', () => {
    const store = new SessionEventStore();
    const s = store.newCallStream(7);
    for (let i = 0; i < EVENT_STORE_BOUNDS.maxEvents * 4; i++) store.append(s, `{"n":${i}}`);
    expect(store.size.events).toBe(EVENT_STORE_BOUNDS.maxEvents);
    const big = 'x'.repeat(10_000);
    for (let i = 0; i < 100; i++) store.append(s, big);
    expect(store.size.bytes).toBeLessThanOrEqual(EVENT_STORE_BOUNDS.maxBytes);
    expect(store.size.events).toBeLessThan(EVENT_STORE_BOUNDS.maxEvents);
  });

  it('replays what follows an id; an id whose successors were dropped, or from another process, is lost', () => {
    const store = new SessionEventStore();
    const s = store.newCallStream('req-1');
    const first = store.append(s, undefined);
    const second = store.append(s, '{"a":1}');
    store.append(s, '{"b":2}', { final: true });
    expect(store.lookup(first)).toMatchObject({ kind: 'replayable', streamId: s });
    expect(store.after(s, (store.lookup(second) as { seq: number }).seq).map((e) => e.data)).toEqual(['{"b":2}']);
    expect(store.complete(s)).toBe(true);

    const other = store.newCallStream(2);
    const old = store.append(other, '{"early":true}');
    for (let i = 0; i <= EVENT_STORE_BOUNDS.maxEvents; i++) store.append(other, '{}'); // drops `old` and the event after it
    expect(store.lookup(old)).toEqual({ kind: 'lost', streamId: other });
    expect(store.lookup(old.replace(/^[0-9a-f]{8}/, '00000000'))).toEqual({ kind: 'lost', streamId: other });
    expect(store.lookup('not-an-id')).toEqual({ kind: 'lost', streamId: undefined });
  });

  it('a call stream id carries its request id, for any replica to answer', () => {
    const store = new SessionEventStore();
    expect(requestIdOfStream(store.newCallStream('abc.def'))).toBe('abc.def');
    expect(requestIdOfStream(store.newCallStream(42))).toBe(42);
    expect(requestIdOfStream('_GET_stream')).toBeUndefined();
  });
});
