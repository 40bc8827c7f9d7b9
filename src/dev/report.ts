/**
 * What the dev mode prints after each apply: per resource, what the proxy observes — the same
 * facts the operator writes into status (reachable, tool counts, unmatched selectors, conflicts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { gatewayId, serverId } from '../api/ids.ts';
import type { AdminClient } from '../contract/client.ts';
import type { GatewayRead } from '../contract/wire.ts';
import type { DevSnapshot } from './directory-source.ts';
import { FIRST_DISCOVERY_WAIT_MS } from '../proxy/admin/gateway-admission.ts';

/** Waits (up to `waitMs`, default 10 s, as `POST /gateways` does) until every gateway has been checked once, then describes the state. */
export async function describeState(admin: AdminClient, baseUrl: string, snapshot: DevSnapshot, waitMs = FIRST_DISCOVERY_WAIT_MS): Promise<string[]> {
  const deadline = Date.now() + waitMs;
  let gateways: Array<[string, GatewayRead | undefined]> = [];
  for (;;) {
    gateways = await Promise.all(
      snapshot.gateways.map(async (gw) => {
        const key = `${gw.metadata.namespace ?? 'default'}/${gw.metadata.name}`;
        return [key, await admin.getGateway(gatewayId(gw.metadata.namespace ?? 'default', gw.metadata.name))] as [string, GatewayRead | undefined];
      }),
    );
    if (gateways.every(([, g]) => !g || g.lastCheck) || Date.now() > deadline) break;
    await sleep(100);
  }
  const lines: string[] = [];
  for (const [key, g] of gateways) {
    if (!g) lines.push(`  ✗ McpGateway ${key}: not registered`);
    else if (g.reachable) lines.push(`  ✓ McpGateway ${key}: reachable, ${g.toolCount} tools${g.authType === 'oauth' ? `, ${g.authorizedUsers} users authorized` : ''}`);
    else lines.push(`  ✗ McpGateway ${key}: ${g.lastCheck ? `unreachable: ${g.lastError ?? 'no answer'}` : 'not checked yet'}`);
  }
  for (const vs of snapshot.servers) {
    const key = `${vs.metadata.namespace ?? 'default'}/${vs.metadata.name}`;
    const s = await admin.getServer(serverId(vs.metadata.namespace ?? 'default', vs.metadata.name));
    if (!s) {
      lines.push(`  ✗ VirtualServer ${key}: not registered`);
      continue;
    }
    const ok = s.unmatched.length === 0 && s.conflicts.length === 0;
    lines.push(`  ${ok ? '✓' : '✗'} VirtualServer ${key}: ${s.toolCount} tools at ${baseUrl}${s.endpoint}`);
    for (const u of s.unmatched) lines.push(`      matched nothing: ${u}`);
    for (const c of s.conflicts) lines.push(`      name conflict, left out: ${c.name} (${c.candidates.join(', ')})`);
  }
  return lines;
}
