/**
 * `mcp-gitops dev DIR`: the embedded default. One process runs the proxy (admin API on the agent
 * port, so the seed's curl commands work against it), a real upstream (server-everything), and the
 * reconcile core fed from the YAML files in DIR instead of the Kubernetes API.
 */
import { gatewayId, serverId } from '../api/ids.ts';
import { AdminClient } from '../contract/client.ts';
import { createConnectionsPage } from '../proxy/connections/index.ts';
import { createOAuthRelay } from '../proxy/oauth/index.ts';
import { startProxy, type ProxyHandle } from '../proxy/start.ts';
import { openTokenVault } from '../vault/index.ts';
import { mintAgentToken } from '../proxy/agent-auth/mint-token.ts';
import { fixedReplicas } from '../operator/replicas.ts';
import { ProxyReplicasTarget } from '../operator/targets/proxy-replicas.ts';
import { applySnapshot } from './apply.ts';
import { applyOnChange } from './apply-on-change.ts';
import type { DevSnapshot, FileProblems } from './directory-source.ts';
import { startEverything, type EverythingServer } from './everything.ts';
import { devSecrets } from './secrets.ts';
import { describeState } from './report.ts';
import { tryItLines } from './try-it.ts';

export interface DevOptions {
  dir: string;
  /** Agent + admin port. Defaults to 4444 (the seed's). */
  port: number;
  host: string;
  /** Port for server-everything; 0 = do not start it. Defaults to 3001 (what examples/local names). */
  upstreamPort: number;
  /** Where the dev secrets and the token vault live. Defaults to `.data/dev`. */
  dataDir: string;
  /** User the printed agent token acts for. */
  user: string;
  out?: (line: string) => void;
}

export interface DevHandle {
  readonly proxy: ProxyHandle;
  readonly agentToken: string;
  readonly adminToken: string;
  /** Resolves after the next snapshot has been applied (for tests and scripts). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

function printProblems(out: (l: string) => void, problems: readonly FileProblems[]): void {
  for (const f of problems) {
    for (const p of f.problems) {
      const where = p.where ?? f.file;
      out(`  ✗ ${where}: ${p.path ? `${p.path}: ` : ''}${p.message}`);
    }
    out(f.keptLastGood ? `    (the last good version of ${f.file} keeps serving)` : `    (${f.file} is not applied)`);
  }
}

export async function runDev(options: DevOptions): Promise<DevHandle> {
  const out = options.out ?? ((l: string) => console.log(l));
  const secrets = await devSecrets(options.dataDir);
  let upstream: EverythingServer | undefined;
  if (options.upstreamPort > 0) {
    upstream = await startEverything(options.upstreamPort);
    out(`upstream: server-everything at ${upstream.url}`);
  }
  // The file vault (key file created 0600 on first run) and the OAuth relay; dev allows loopback providers.
  const { vault, keyring } = await openTokenVault({ backend: 'file', dataDir: options.dataDir });
  const relay = createOAuthRelay({ vault, relayKey: keyring.deriveKey('consent-ticket'), policy: { allowLoopback: true } });
  // The connections page, with one-time sign-in links instead of an identity provider.
  const page = createConnectionsPage({ vault, relay, login: { dev: {} } });
  const proxy = await startProxy({
    // Upstreams on loopback or private addresses only where the McpGateway opts in (allowPrivateNetwork).
    upstreamUrlPolicy: {},
    credentials: relay.credentials,
    extraRoutes: [...relay.routes, ...page.routes],
    port: options.port,
    host: options.host,
    adminToken: secrets.adminToken,
    // The seed's /tools/invoke calls with the admin token act as the dev user (and use their OAuth consents).
    adminIdentity: options.user,
    agentAuth: { hs256Secret: secrets.agentSecret },
  });
  relay.bind({ publicUrl: proxy.url, getGateway: (id) => proxy.getGateway(id), refreshGateway: (id, user) => proxy.refreshGateway(id, user), signIn: page.signIn });
  page.bind({ publicUrl: proxy.url, registrations: () => proxy.registrations() });
  const admin = new AdminClient({ baseUrl: proxy.adminUrl, token: secrets.adminToken });
  // The same reconcile target the operator converges, over this one proxy (stopping it is the caller's job).
  const target = new ProxyReplicasTarget({ replicas: fixedReplicas([{ endpoint: proxy.adminUrl, admin }]) });
  const agentToken = await mintAgentToken(secrets.agentSecret, { sub: options.user, ttlSeconds: 12 * 3600 });

  /** Registrations the directory made (`gateway/<id>`, `server/<id>`): the only ones it deletes. */
  const owned = new Set<string>();
  let firstPass = true;
  const loop = await applyOnChange(options.dir, out, async (snapshot, problems) => {
    printProblems(out, problems);
    const report = await applySnapshot(target, snapshot, owned);
    for (const p of report.problems) out(`  ✗ ${p} (left as it was)`);
    if (report.put.length || report.deleted.length || firstPass) {
      out(`applied ${options.dir}: ${report.put.length} updated, ${report.deleted.length} removed`);
      // What the gateways offer once discovered (bounded), so the lines and the tool names below are complete.
      await Promise.all(snapshot.gateways.map((g) => proxy.awaitDiscovery(gatewayId(g.metadata.namespace ?? 'default', g.metadata.name))));
      for (const line of await describeState(admin, proxy.url, snapshot)) out(line);
    }
    if (firstPass) {
      firstPass = false;
      await printWelcome(out, proxy, admin, snapshot, agentToken, secrets.agentSecretFile);
      out(`Your OAuth connections (one-time sign-in link, 10 min): ${page.devLoginUrl(options.user)}`);
    }
  });
  return {
    proxy,
    agentToken,
    adminToken: secrets.adminToken,
    settled: () => loop.settled(),
    async close() {
      await loop.close();
      await proxy.close();
      await upstream?.close();
    },
  };
}

async function printWelcome(out: (l: string) => void, proxy: ProxyHandle, admin: AdminClient, snapshot: DevSnapshot, token: string, secretFile: string): Promise<void> {
  const first = snapshot.servers[0];
  out('');
  out(`mcp-gitops dev is serving on ${proxy.url} (admin API on the same port). Edit the YAML files to change it live.`);
  if (first) {
    const id = serverEndpointId(first);
    const endpoint = `${proxy.url}/servers/${id}/mcp`;
    out('');
    out(`Agent endpoint (${first.metadata.name}): ${endpoint}`);
    out(`Agent token (12 h): export MCP_TOKEN=${token}`);
    out('');
    // A server not registered (its file invalid) has no tools to show; the ✗ lines above say why.
    for (const line of tryItLines(proxy.url, { id, name: first.metadata.name }, await admin.listServerTools(id).catch(() => []))) out(line);
    out('');
    out('Or with the MCP Inspector CLI:');
    out(`  npx @modelcontextprotocol/inspector --cli ${endpoint} --transport http \\`);
    out(`    --header "Authorization: Bearer $MCP_TOKEN" --method tools/list`);
  }
  out(`More tokens: node src/cli.ts token --secret-file ${secretFile} --sub <user>`);
}

function serverEndpointId(vs: DevSnapshot['servers'][number]): string {
  return serverId(vs.metadata.namespace ?? 'default', vs.metadata.name);
}
