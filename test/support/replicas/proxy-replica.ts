/**
 * One proxy replica as its own process, for the multi-replica tests and benchmarks:
 * `node proxy-replica.ts` with env `SESSION_KEY` (base64url, 32 bytes, shared by the replicas),
 * `ADMIN_TOKEN`, `AGENT_SECRET`, optional `SHUTDOWN_GRACE_MS`. Prints `LISTENING <port>` on stderr;
 * SIGTERM shuts down as `mcp-gitops proxy` does (stop accepting, drain, exit).
 */
import { pino } from 'pino';
import { runUntilSignal } from '../../../src/cli/flags.ts';
import { startProxy } from '../../../src/proxy/start.ts';

const proxy = await startProxy({
  port: 0,
  host: '127.0.0.1',
  adminToken: process.env.ADMIN_TOKEN!,
  agentAuth: { hs256Secret: process.env.AGENT_SECRET! },
  sessionKeys: [Buffer.from(process.env.SESSION_KEY!, 'base64url')],
  shutdownGraceMs: Number(process.env.SHUTDOWN_GRACE_MS ?? 15_000),
  logger: pino({ level: 'warn' }, pino.destination({ dest: 2, sync: false })),
});
await runUntilSignal(proxy, 'proxy replica');
console.error(`LISTENING ${new URL(proxy.url).port}`);
