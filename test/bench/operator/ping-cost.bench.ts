/**
 * What a health check costs the proxy per upstream session (a script: `hack/node24
 * test/bench/operator/ping-cost.bench.ts [baseline-ref]`): `SESSIONS` upstream sessions of this
 * checkout's `UpstreamSession` and of the baseline commit's (default dbd3b19), to the edge server in a
 * child process, pinged in alternating rounds in this one process; CPU per ping (user + system) and
 * the heap each session adds. At 10,000 gateways the proxy pings 10,000 sessions every 30 s.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { GatewayCreate } from '../../../src/contract/wire.ts';
import { staticCredentials } from '../../../src/proxy/upstream/credentials.ts';
import { startChild } from '../../support/upstreams/child.ts';
import { baselineCheckout, ROOT } from '../operator-harness.ts';
import { machineLoad, median } from '../scale/stats.ts';

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 300);
const ROUNDS = 8;
const ref = process.argv[2] ?? 'dbd3b19';
const edge = await startChild([join(ROOT, 'test/support/upstreams/edge-server.ts')]);
process.on('exit', () => edge.child.kill('SIGKILL')); // also when a connect below throws
const url = `http://127.0.0.1:${edge.port}/mcp`;
type Session = { connect(): Promise<unknown>; ping(ms: number): Promise<void>; close(): Promise<void> };
type SessionClass = new (g: unknown, scope: string, user: undefined, o: unknown) => Session;

async function sessionsOf(root: string): Promise<{ sessions: Session[]; heapPerSession: number }> {
  const { UpstreamSession } = (await import(join(root, 'src/proxy/upstream/session.ts'))) as { UpstreamSession: SessionClass };
  globalThis.gc?.();
  const h0 = process.memoryUsage().heapUsed;
  const sessions: Session[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const g = { id: i.toString(16).padStart(32, '0'), slug: `gw-${i}`, spec: GatewayCreate.parse({ name: `gw-${i}`, url, namespace: 'bench', transport: 'STREAMABLEHTTP' }), specHash: '', createdAt: '', updatedAt: '' };
    const s = new UpstreamSession(g, 'shared', undefined, { credentials: staticCredentials, onToolListChanged: () => {}, onStateChange: () => {}, logger: pino({ level: 'silent' }) });
    await s.connect();
    sessions.push(s);
  }
  globalThis.gc?.();
  return { sessions, heapPerSession: (process.memoryUsage().heapUsed - h0) / SESSIONS };
}

const sides = [
  { label: `before (${ref})`, ...(await sessionsOf(baselineCheckout(ref))), cpu: [] as number[] },
  { label: 'after', ...(await sessionsOf(ROOT)), cpu: [] as number[] },
];
for (let r = 0; r < ROUNDS; r++) {
  for (const side of r % 2 ? [...sides].reverse() : sides) {
    const c0 = process.cpuUsage();
    await Promise.all(side.sessions.map((s) => s.ping(10_000)));
    const c = process.cpuUsage(c0);
    side.cpu.push((c.user + c.system) / SESSIONS);
  }
}
console.log(`\nhealth-check ping cost, ${SESSIONS} sessions per side, ${ROUNDS} rounds alternating; ${machineLoad()}\n`);
console.log('| measure | ' + sides.map((s) => s.label).join(' | ') + ' |');
console.log('|---|' + sides.map(() => '---').join('|') + '|');
console.log('| proxy CPU per ping, median of rounds | ' + sides.map((s) => `${(median(s.cpu) / 1000).toFixed(2)} ms`).join(' | ') + ' |');
console.log('| heap per connected session (after GC) | ' + sides.map((s) => `${(s.heapPerSession / 1024).toFixed(1)} KiB`).join(' | ') + ' |');
for (const s of sides) await Promise.all(s.sessions.map((x) => x.close()));
await edge.kill();
