/**
 * The seed's requests (examples/atlassian-rovo, ContextForge's "Atlassian Rovo MCP Server" page), as
 * the seed writes them — same paths, bodies and headers, the admin credential as
 * `MCPGATEWAY_BEARER_TOKEN` everywhere — against a fresh `mcp-gitops proxy` process (one listener,
 * as the seed's single `localhost:4444` assumes: `--admin-port` = `--port`).
 *
 * Part 1 sends the Atlassian body verbatim (Atlassian is not reachable from tests: nothing here
 * needs it). Part 2 runs the seed's steps with the one change a reader makes to try them locally —
 * the upstream URL points at a real local MCP server (server-everything) — and shows the proxy
 * refusing that loopback URL at once until `allow_private_network` is set.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEverything, type Everything } from '../../support/everything.ts';
import { freePort } from '../../support/ports.ts';
import { SEED_GATEWAY, seedGatewayFor } from '../../support/seed.ts';
import { AGENT_SECRET, agentToken } from './harness.ts';

const MCPGATEWAY_BEARER_TOKEN = 'seed-admin-token-0123456789abcdef';
let everything: Everything;
let proxy: ChildProcess;
let base: string; // http://localhost:<port>, as the seed's http://localhost:4444
let dataDir: string;
const logs: Record<string, unknown>[] = [];

beforeAll(async () => {
  everything = await startEverything();
  dataDir = await mkdtemp(join(tmpdir(), 'seed-flow-'));
  await writeFile(join(dataDir, 'agent-secret'), AGENT_SECRET, { mode: 0o600 });
  const port = await freePort();
  proxy = spawn(process.execPath, ['src/cli.ts', 'proxy', '--port', String(port), '--admin-port', String(port), '--host', '127.0.0.1', '--vault', 'file', '--data-dir', dataDir, '--agent-hs256-secret-file', join(dataDir, 'agent-secret')], {
    env: { ...process.env, MCP_GITOPS_ADMIN_TOKEN: MCPGATEWAY_BEARER_TOKEN, MCP_GITOPS_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let pending = '';
  proxy.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop()!;
    for (const l of lines) if (l.startsWith('{')) logs.push(JSON.parse(l));
  });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    proxy.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.includes('agents on')) resolve();
    });
    proxy.once('exit', (code) => reject(new Error(`mcp-gitops proxy exited (${code}): ${stderr}`)));
  });
  base = `http://localhost:${port}`;
}, 60_000);

afterAll(async () => {
  if (proxy && proxy.exitCode === null) {
    const exited = new Promise((r) => proxy.once('exit', r));
    proxy.kill('SIGTERM');
    await exited;
  }
  await everything?.kill();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** One curl of the seed: `-H "Content-Type: application/json"` with a body, `-H "Authorization: Bearer …"` always. */
async function curl(method: 'GET' | 'POST', path: string, body?: unknown, token = MCPGATEWAY_BEARER_TOKEN): Promise<{ status: number; body: any }> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), Authorization: `Bearer ${token}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() };
}

describe("the seed's requests, verbatim, against mcp-gitops proxy", () => {
  it('part 1: the Atlassian registration as written', async () => {
    // 1a. POST /gateways, placeholders and all: the one field the reader must fill in is named.
    const placeholder = await curl('POST', '/gateways', SEED_GATEWAY);
    expect(placeholder.status).toBe(422);
    expect(placeholder.body.details).toEqual([{ path: 'oauth_config.redirect_uri', message: expect.stringContaining('URL') }]);

    // 1b. With <MCF_DOMAIN> filled in: stored, answered at once (nothing to discover before a user consents), state in the body.
    const gw = await curl('POST', '/gateways', seedGatewayFor('mcp.example.com'));
    expect(gw.status).toBe(200);
    expect(gw.body).toMatchObject({ name: 'atlassian-rovo', authType: 'oauth', toolCount: 0, lastError: expect.stringContaining('no user has authorized this gateway yet') });
    expect(gw.body.oauthConfig.client_secret).toBe('*****');

    // 2. GET /tools: empty until a user consents ("Tools only appear after at least one user completes the OAuth consent flow").
    expect(await curl('GET', '/tools')).toEqual({ status: 200, body: [] });

    // 3. POST /servers with the placeholder tool ids: refused, naming the field.
    const server = await curl('POST', '/servers', { server: { name: 'admin-atlassian', description: 'Atlassian tools - Jira, Confluence, and Compass', associated_tools: ['<TOOL_ID_1>', '<TOOL_ID_2>'], visibility: 'private' } });
    expect(server.status).toBe(422);
    expect(server.body.details[0].path).toBe('server.associated_tools.0');

    // Troubleshooting: GET /gateways shows the entry and why it has no tools.
    const list = await curl('GET', '/gateways');
    expect(list.body.map((g: { name: string }) => g.name)).toEqual(['atlassian-rovo']);

    // 4. POST /tools/invoke on a server that does not exist: 404 naming server_id.
    const invoke = await curl('POST', '/tools/invoke', { server_id: 'admin-atlassian', tool_name: 'search_issues', arguments: { jql: 'project = PROJ AND status = Open ORDER BY created DESC' } });
    expect(invoke.status).toBe(404);
    expect(invoke.body.details).toEqual([{ path: 'server_id', message: 'no such server' }]);
  });

  it('part 2: the same steps against a local MCP server, each answered as the next step needs', async () => {
    const local = { name: 'rovo-local', url: everything.url, transport: 'STREAMABLEHTTP', description: 'A local MCP server standing in for Atlassian Rovo' };

    // A loopback upstream without allow_private_network: refused at once, naming the field and the fix.
    const refused = await curl('POST', '/gateways', local);
    expect(refused.status).toBe(422);
    expect(refused.body.details).toEqual([{ path: 'allow_private_network', message: expect.stringContaining('set "allow_private_network": true') }]);
    // An unsupported transport: refused, naming the field and the transports there are.
    const stdio = await curl('POST', '/gateways', { ...local, transport: 'STDIO', allow_private_network: true });
    expect(stdio.status).toBe(422);
    expect(stdio.body.details).toEqual([{ path: 'transport', message: expect.stringContaining('use "STREAMABLEHTTP"') }]);
    expect((await curl('GET', '/gateways')).body.map((g: { name: string }) => g.name)).toEqual(['atlassian-rovo']);

    // POST /gateways answers after the first discovery: the tools are known in the answer itself.
    const gw = await curl('POST', '/gateways', { ...local, allow_private_network: true });
    expect(gw.status).toBe(200);
    expect(gw.body).toMatchObject({ name: 'rovo-local', reachable: true, lastError: null, lastCheck: expect.any(String) });
    expect(gw.body.toolCount).toBeGreaterThan(0);

    // GET /tools | jq '.[] | {id, name}': right away, no polling.
    const tools = (await curl('GET', '/tools')).body as { id: string; name: string; gatewayId: string }[];
    const echo = tools.find((t) => t.name === 'rovo-local-echo')!;
    const sum = tools.find((t) => t.name === 'rovo-local-get-sum')!;
    expect(echo.gatewayId).toBe(gw.body.id);

    // POST /servers with the discovered ids.
    const server = await curl('POST', '/servers', { server: { name: 'admin-atlassian', description: 'Atlassian tools - Jira, Confluence, and Compass', associated_tools: [echo.id, sum.id], visibility: 'private' } });
    expect(server.status).toBe(201);

    // GET /servers/{server_id}/tools
    const serverTools = await curl('GET', `/servers/${server.body.id}/tools`);
    expect(serverTools.body.map((t: { name: string }) => t.name)).toEqual(['rovo-local-echo', 'rovo-local-get-sum']);

    // POST /tools/invoke with MCPGATEWAY_BEARER_TOKEN, as the seed does: acts as the admin identity.
    const invoke = await curl('POST', '/tools/invoke', { server_id: 'admin-atlassian', tool_name: 'rovo-local-echo', arguments: { message: 'project = PROJ AND status = Open' } });
    expect(invoke).toEqual({ status: 200, body: { content: [{ type: 'text', text: 'Echo: project = PROJ AND status = Open' }] } });
    // Agent tokens keep working.
    const asAgent = await curl('POST', '/tools/invoke', { server_id: 'admin-atlassian', tool_name: 'rovo-local-get-sum', arguments: { a: 2, b: 3 } }, await agentToken('alice'));
    expect(asAgent.status).toBe(200);
    expect(JSON.stringify(asAgent.body)).toContain('5');

    // Audited as the admin identity, marked as the admin token's; the agent's call as the agent.
    await expect.poll(() => logs.filter((l) => l.event === 'tool_call').length).toBe(2);
    const [byAdmin, byAgent] = logs.filter((l) => l.event === 'tool_call');
    expect(byAdmin).toMatchObject({ user: 'admin', credential: 'admin-token', server: 'admin-atlassian', tool: 'rovo-local-echo', outcome: 'ok', transport: 'invoke' });
    expect(byAgent).toMatchObject({ user: 'alice', tool: 'rovo-local-get-sum', outcome: 'ok' });
    expect(byAgent).not.toHaveProperty('credential');
    expect(JSON.stringify(logs)).not.toContain('project = PROJ');
  });
});
