/**
 * Memory of the per-session event store (src/proxy/mcp/event-store.ts), measured: heap per session
 * over 500 sessions, empty (no resumable stream yet), typical (one resumable call: priming, 5
 * progress events, a 1 KiB result) and full (the bound reached with 1 KiB events), beside the
 * bound itself. Run: hack/node24 --expose-gc test/bench/event-store-memory.ts
 */
import { EVENT_STORE_BOUNDS, SessionEventStore } from '../../src/proxy/mcp/event-store.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const SESSIONS = 500;
const progress = { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 3, total: 5 } };
/** A fresh 1 KiB result message, as JSON.stringify makes each event's data (flat, not shared). */
const result = (n: number) => JSON.stringify({ jsonrpc: '2.0', id: n, result: { content: [{ type: 'text', text: String(n).padStart(1024, 'x') }] } });

function perSession(fill: (s: SessionEventStore) => void): number {
  gc!();
  const before = process.memoryUsage().heapUsed;
  const stores: SessionEventStore[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const s = new SessionEventStore();
    fill(s);
    stores.push(s);
  }
  gc!();
  const bytes = (process.memoryUsage().heapUsed - before) / SESSIONS;
  if (stores.length !== SESSIONS) throw new Error('unreachable');
  return Math.round(bytes);
}

const empty = perSession(() => {});
const typical = perSession((s) => {
  const id = s.newCallStream(2);
  s.append(id, undefined);
  for (let i = 0; i < 5; i++) s.append(id, JSON.stringify({ ...progress, params: { ...progress.params, progress: i } }));
  s.append(id, result(2), { final: true });
});
const full = perSession((s) => {
  const id = s.newCallStream(2);
  // Distinct strings, as events sent over time are (one shared string would be counted once).
  for (let n = 0; s.size.events < EVENT_STORE_BOUNDS.maxEvents && s.size.bytes + 1100 < EVENT_STORE_BOUNDS.maxBytes; n++) s.append(id, result(n));
});
console.log(`bound: ${EVENT_STORE_BOUNDS.maxEvents} events, ${EVENT_STORE_BOUNDS.maxBytes / 1024} KiB of event data per session`);
console.log(`| store state | heap per session |`);
console.log(`|---|---|`);
console.log(`| empty | ${empty} B |`);
console.log(`| one resumable call (priming, 5 progress, 1 KiB result) | ${(typical / 1024).toFixed(1)} KiB |`);
console.log(`| full (bound reached with 1 KiB events) | ${(full / 1024).toFixed(1)} KiB |`);
