/**
 * `mcp-gitops dev --target contextforge URL [DIR]`: the YAML files in DIR converged into a running
 * ContextForge instead of the embedded proxy, through the same reconcile target the operator uses
 * (`src/contextforge/target.ts`) and the same `applySnapshot` as the proxy dev mode. Edit a file and
 * ContextForge follows; objects made by hand in ContextForge are never touched (ownership tags).
 * No proxy, no upstream, no vault: ContextForge is the gateway.
 */
import { serverId } from '../api/ids.ts';
import { ContextForgeClient } from '../contextforge/client.ts';
import { ContextForgeTarget } from '../contextforge/target.ts';
import { desiredServer } from '../reconcile/desired.ts';
import { applySnapshot } from './apply.ts';
import { applyOnChange } from './apply-on-change.ts';
import type { DevSnapshot } from './directory-source.ts';

export interface DevContextForgeOptions {
  dir: string;
  /** ContextForge's base URL. */
  url: string;
  /** A ContextForge platform-admin credential. */
  token: string;
  out?: (line: string) => void;
}

export interface DevContextForgeHandle {
  /** Resolves after the next snapshot has been applied. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export async function runDevContextForge(options: DevContextForgeOptions): Promise<DevContextForgeHandle> {
  const out = options.out ?? ((l: string) => console.log(l));
  const client = new ContextForgeClient({ baseUrl: options.url, token: () => options.token });
  const target = new ContextForgeTarget({ client, token: () => options.token });
  const owned = new Set<string>();
  return applyOnChange(options.dir, out, async (snapshot) => {
    const report = await applySnapshot(target, snapshot, owned);
    for (const p of report.problems) out(`  ✗ ${p} (left as it was)`);
    out(`applied ${options.dir} to ContextForge at ${options.url}: ${report.put.length} updated, ${report.deleted.length} removed`);
    for (const line of await describe(target, snapshot)) out(line);
  });
}

/** Each VirtualServer as ContextForge serves it: endpoint, tools, what matched nothing (reads only: it was just applied). */
async function describe(target: ContextForgeTarget, snapshot: DevSnapshot): Promise<string[]> {
  const lines: string[] = [];
  for (const vs of snapshot.servers) {
    const key = `${vs.metadata.namespace ?? 'default'}/${vs.metadata.name}`;
    const [obs] = await target.apply('server', desiredServer(vs));
    if (!obs?.read) {
      lines.push(`  ✗ VirtualServer ${key} (${serverId(vs.metadata.namespace ?? 'default', vs.metadata.name)}): ${obs?.error ?? 'not registered'}`);
      continue;
    }
    lines.push(`  ${obs.read.unmatched.length === 0 ? '✓' : '✗'} VirtualServer ${key}: ${obs.read.toolCount} tools at ${obs.read.endpoint}`);
    for (const u of obs.read.unmatched) lines.push(`      not as specified: ${u}`);
  }
  return lines;
}
