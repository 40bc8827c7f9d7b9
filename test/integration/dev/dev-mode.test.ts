/**
 * The embedded default: `mcp-gitops dev` serves the YAML directory through a real proxy to a real
 * upstream (server-everything), applies edits live, and keeps the last good state when an edit is
 * invalid.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { runDev, type DevHandle } from '../../../src/dev/run-dev.ts';
import { serverId } from '../../../src/api/ids.ts';
import { freePort } from '../../support/ports.ts';
import { connectAgent } from '../../support/mcp-agent.ts';

let dir: string;
let dev: DevHandle;
let agent: Client;
const output: string[] = [];

async function toolNames(client: Client): Promise<string[]> {
  return (await client.listTools()).tools.map((t) => t.name).sort();
}

/** Writes a file and waits until the dev mode has applied the change. */
async function edit(file: string, text: string): Promise<void> {
  const applied = dev.settled();
  await writeFile(join(dir, file), text);
  await applied;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-gitops-dev-'));
  await cp('examples/local', dir, { recursive: true });
  const upstreamPort = await freePort();
  const gw = await readFile(join(dir, 'everything.yaml'), 'utf8');
  await writeFile(join(dir, 'everything.yaml'), gw.replaceAll('127.0.0.1:3001', `127.0.0.1:${upstreamPort}`));
  dev = await runDev({ dir, port: 0, host: '127.0.0.1', upstreamPort, dataDir: join(dir, '.data'), user: 'alice', out: (l) => output.push(l) });
  const endpoint = `${dev.proxy.url}/servers/${serverId('default', 'demo')}/mcp`;
  agent = await connectAgent(endpoint, dev.agentToken);
}, 60_000);

afterAll(async () => {
  await agent?.close();
  await dev?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('mcp-gitops dev', () => {
  it('prints the endpoint and a ready-to-paste Inspector command', () => {
    const text = output.join('\n');
    expect(text).toContain(`/servers/${serverId('default', 'demo')}/mcp`);
    expect(text).toMatch(/npx @modelcontextprotocol\/inspector --cli http:\/\/127\.0\.0\.1:\d+\/servers\/[0-9a-f]{32}\/mcp --transport http/);
    expect(text).toContain('✓ McpGateway default/everything: reachable');
  });

  it('prints the tool names agents see (prefixed names with their upstream names) and a tools/call that works when pasted', async () => {
    const text = output.join('\n');
    expect(text).toContain('Tools agents see on demo');
    expect(text).toMatch(/^  everything-echo \(echo\)$/m);
    expect(text).toMatch(/^  add \(get-sum\)$/m);
    const exportLine = /export MCP_TOKEN=\S+/.exec(text)![0];
    const pasted = output.filter((l) => /^  (SID=|curl )/.test(l)).map((l) => l.trim());
    expect(pasted).toHaveLength(3);
    // The MCP pair (initialize, then tools/call with the session id), then the /tools/invoke one-liner, each run by bash as pasted.
    // Asynchronously: the proxy answering curl runs in this process.
    const { stdout: mcp } = await promisify(execFile)('bash', ['-c', [exportLine, pasted[0], pasted[1]].join('\n')], { encoding: 'utf8' });
    expect(mcp).toContain('Echo: hello');
    expect(mcp).toContain('"id":2');
    const { stdout: invoke } = await promisify(execFile)('bash', ['-c', [exportLine, pasted[2]].join('\n')], { encoding: 'utf8' });
    expect(JSON.parse(invoke)).toEqual({ content: [{ type: 'text', text: 'Echo: hello' }] });
  });

  it('prints a one-time sign-in link to the connections page that works once', async () => {
    const link = /one-time sign-in link, 10 min\): (\S+)/.exec(output.join('\n'))?.[1];
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    const signIn = await fetch(link!, { redirect: 'manual' });
    expect(signIn.status).toBeGreaterThanOrEqual(300);
    expect(signIn.status).toBeLessThan(400);
    const cookie = signIn.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const page = await fetch(`${dev.proxy.url}/connections`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('alice');
    const again = await fetch(link!, { redirect: 'manual' });
    expect(again.headers.getSetCookie()).toEqual([]);
  });

  it("serves the example's curated tools from the real upstream, with the rename applied", async () => {
    const names = await toolNames(agent);
    expect(names).toContain('add');
    expect(names).toContain('everything-echo');
    expect(names).toContain('everything-trigger-long-running-operation');
    expect(names).not.toContain('everything-get-sum');
    expect(names).not.toContain('everything-get-env');
    const result = await agent.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
    expect(JSON.stringify(result.content)).toContain('5');
  });

  it('applies an edit live', async () => {
    const file = await readFile(join(dir, 'demo-server.yaml'), 'utf8');
    await edit('demo-server.yaml', file.replace('include: [echo, ', 'include: [get-env, echo, '));
    await expect.poll(() => toolNames(agent), { timeout: 5000 }).toContain('everything-get-env');
  });

  it('reports an invalid edit with the file and field, and keeps serving the last good state', async () => {
    const before = await toolNames(agent);
    expect(before).toContain('add');
    output.length = 0;
    const file = await readFile(join(dir, 'demo-server.yaml'), 'utf8');
    await edit('demo-server.yaml', file.replace('naming: Prefixed', '').replace('tools:', 'naming: Sideways\n  tools:'));
    const text = output.join('\n');
    expect(text).toMatch(/demo-server\.yaml.*spec\.naming/);
    expect(text).toContain('last good version of demo-server.yaml keeps serving');
    expect(await toolNames(agent)).toEqual(before);
    await edit('demo-server.yaml', file);
  });

  it('refuses a loopback upstream unless the gateway opts in with allowPrivateNetwork', async () => {
    const file = await readFile(join(dir, 'everything.yaml'), 'utf8');
    output.length = 0;
    await edit('guarded.yaml', file.replace('name: everything', 'name: guarded').replace('allowPrivateNetwork: true', 'allowPrivateNetwork: false'));
    const text = output.join('\n');
    expect(text).toMatch(/McpGateway default\/guarded: unreachable: .*loopback/);
    expect(text).toContain('✓ McpGateway default/everything: reachable');
    await rm(join(dir, 'guarded.yaml'));
  });

  it("takes the seed's curl requests on the same port, and file edits leave what they registered alone", async () => {
    const admin = { Authorization: `Bearer ${dev.adminToken}`, 'content-type': 'application/json' };
    const upstream = /url: (\S+)/.exec(await readFile(join(dir, 'everything.yaml'), 'utf8'))![1]!;
    const gw = await fetch(`${dev.proxy.url}/gateways`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ name: 'seed-everything', url: upstream, transport: 'STREAMABLEHTTP', allow_private_network: true }),
    });
    expect(gw.status).toBe(200);
    const { id } = (await gw.json()) as { id: string };
    const seedEcho = async () => {
      const tools = (await (await fetch(`${dev.proxy.url}/tools`, { headers: admin })).json()) as { id: string; name: string; gatewayId: string }[];
      return tools.find((t) => t.gatewayId === id && t.name === 'seed-everything-echo');
    };
    await expect.poll(seedEcho, { timeout: 10_000 }).toBeTruthy();
    const echo = (await seedEcho())!;
    const server = await fetch(`${dev.proxy.url}/servers`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ server: { name: 'seed-server', description: 'made with curl', associated_tools: [echo.id], visibility: 'private' } }),
    });
    expect(server.status).toBe(201);

    // A file edit re-applies the directory; the curl-made registrations stay.
    const file = await readFile(join(dir, 'demo-server.yaml'), 'utf8');
    await edit('demo-server.yaml', file.replace('description:', 'description: edited,'));
    expect((await fetch(`${dev.proxy.url}/gateways/${id}`, { headers: admin })).status).toBe(200);

    const invoke = await fetch(`${dev.proxy.url}/tools/invoke`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${dev.agentToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ server_id: 'seed-server', tool_name: 'seed-everything-echo', arguments: { message: 'hello' } }),
    });
    expect(invoke.status).toBe(200);
    expect(JSON.stringify(await invoke.json())).toContain('hello');
  });

  it('removes what a deleted file held', async () => {
    const applied = dev.settled();
    await rm(join(dir, 'demo-server.yaml'));
    await applied;
    const res = await fetch(`${dev.proxy.url}/servers/${serverId('default', 'demo')}/tools`, {
      headers: { Authorization: `Bearer ${dev.adminToken}` },
    });
    expect(res.status).toBe(404);
  });
});
