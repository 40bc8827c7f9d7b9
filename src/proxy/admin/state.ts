/**
 * `GET /state` (docs/admin-api.md, "State digest and readiness"): the spec hash of every
 * registration, the digest over them, readiness, and the gateways whose upstream this replica
 * cannot reach now — what the operator polls every few seconds to re-converge a replica and to
 * re-queue a gateway whose reachability changed (instead of waiting for its health-check requeue).
 */
import type { StateRead } from '../../contract/wire.ts';
import type { ProxyContext } from '../context.ts';
import type { GatewayRuntime } from '../upstream/gateway-runtime.ts';

/**
 * The upstream was checked and does not answer now: `reachable` false after a check. The same rule
 * the operator's status applies to `GatewayRead` (`src/reconcile/status.ts`), so this flips exactly
 * when the gateway's `Reachable` condition would.
 */
export function knownUnreachable(runtime: GatewayRuntime): boolean {
  return !runtime.reachable && runtime.lastCheck !== null;
}

export function stateRead(ctx: ProxyContext): StateRead {
  const gateways: Record<string, string> = {};
  const servers: Record<string, string> = {};
  const unreachable: string[] = [];
  for (const g of ctx.store.gateways.values()) {
    gateways[g.id] = g.specHash;
    const runtime = ctx.pool.get(g.id);
    if (runtime && knownUnreachable(runtime)) unreachable.push(g.id);
  }
  for (const s of ctx.store.servers.values()) servers[s.id] = s.specHash;
  unreachable.sort();
  return { digest: ctx.store.digest(), gateways, servers, ready: !ctx.requireSync || ctx.store.synced, startedAt: ctx.store.startedAt, unreachable };
}
