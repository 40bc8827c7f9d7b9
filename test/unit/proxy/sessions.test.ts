import { afterEach, describe, expect, it } from 'vitest';
import { SessionTable, type AgentSession } from '../../../src/proxy/mcp/sessions.ts';
import { originGuard } from '../../../src/proxy/mcp/origin.ts';
import { ProxyError } from '../../../src/proxy/errors.ts';

const tables: SessionTable[] = [];
afterEach(async () => {
  for (const t of tables.splice(0)) await t.closeAll();
});

function session(id: string, lastSeen = Date.now(), user = 'u'): AgentSession & { closed: boolean } {
  const s = { id, serverId: 'vs', user, transport: 'streamable-http' as const, lastSeen, closed: false, handle: async () => {}, notifyListChanged: () => {}, close: async () => void (s.closed = true) };
  return s;
}

describe('SessionTable', () => {
  it('refuses a session beyond the maximum with 503 when none is idle, and counts by transport', () => {
    const counts: number[] = [];
    const t = new SessionTable({ maxSessions: 2, idleMs: 60_000, onCountChanged: (_tr, d) => counts.push(d) });
    tables.push(t);
    t.add(session('a'));
    t.add(session('b'));
    let err: unknown;
    try {
      t.reserve('u');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProxyError);
    expect((err as ProxyError).status).toBe(503);
    expect((err as ProxyError).code).toBe('ERR_TOO_MANY_SESSIONS');
    expect(counts).toEqual([1, 1]);
  });

  it('closes sessions idle past the limit, making room', () => {
    const t = new SessionTable({ maxSessions: 1, idleMs: 1_000 });
    tables.push(t);
    const old = session('old', Date.now() - 5_000);
    t.add(old);
    t.reserve('u');
    expect(old.closed).toBe(true);
    expect(t.get('old')).toBeUndefined();
    expect(t.size).toBe(0);
  });

  it('caps sessions per user: the next closes that user’s least recently used one, others keep theirs', () => {
    const t = new SessionTable({ maxSessions: 10, maxSessionsPerUser: 2, idleMs: 60_000 });
    tables.push(t);
    const alices = session('alice-1', Date.now(), 'alice');
    t.add(alices);
    const first = session('m-1', Date.now() - 2_000, 'mallory');
    const second = session('m-2', Date.now() - 1_000, 'mallory');
    t.add(first);
    t.add(second);
    t.reserve('mallory');
    expect(first.closed).toBe(true);
    expect(second.closed).toBe(false);
    t.add(session('m-3', Date.now(), 'mallory'));
    expect([t.countOf('mallory'), t.countOf('alice'), t.size]).toEqual([2, 1, 3]);
    t.reserve('alice');
    expect(alices.closed).toBe(false);
  });

  it('keeps a session alive while it is used', () => {
    const t = new SessionTable({ idleMs: 1_000 });
    tables.push(t);
    const s = session('s', Date.now() - 5_000);
    t.add(s);
    expect(t.get('s')).toBe(s);
    t.sweep();
    expect(s.closed).toBe(false);
  });
});

describe('originGuard', () => {
  const req = (origin?: string) => ({ headers: origin ? { origin } : {} }) as never;
  it('allows requests without Origin, exact origins and port wildcards; refuses others with 403', () => {
    const check = originGuard(['http://localhost:*', 'https://app.example.com']);
    expect(() => check(req())).not.toThrow();
    expect(() => check(req('http://localhost:6274'))).not.toThrow();
    expect(() => check(req('https://app.example.com'))).not.toThrow();
    expect(() => check(req('https://app.example.com.evil.io'))).toThrow(/not allowed/);
    expect(() => check(req('http://localhost.evil.io:80'))).toThrow(/not allowed/);
  });
});
