// The proxy's one reach into the MCP SDK's internals (src/proxy/mcp/sdk-raw-handler.ts), checked
// against the installed SDK. On an SDK upgrade this fails first: re-read `Server.setRequestHandler`
// and `Protocol.setRequestHandler` in the new version, then move the pin.
import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { Protocol } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { CallToolRequestSchema, CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ProxyError } from '../../../src/proxy/errors.ts';
import { setRawRequestHandler } from '../../../src/proxy/mcp/sdk-raw-handler.ts';

/** The SDK version the raw-handler adapter was last checked against. */
const PINNED_SDK_VERSION = '1.32.2';

async function connected(install: (server: Server) => void): Promise<Client> {
  const server = new Server({ name: 't', version: '1' }, { capabilities: { tools: {}, logging: {} } });
  install(server);
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: 'c', version: '1' });
  await client.connect(b);
  return client;
}

/** A result `Server`'s own tools/call wrapper rejects (content must be an array). */
const INVALID_RESULT = { content: 'not an array', extra: { kept: true } };

describe('the SDK internals the proxy relies on', () => {
  it(`is the SDK version the adapter was checked against (${PINNED_SDK_VERSION})`, () => {
    const manifest = new URL('../../../node_modules/@modelcontextprotocol/sdk/package.json', import.meta.url);
    const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
    expect(version, 'SDK upgraded: re-check src/proxy/mcp/sdk-raw-handler.ts, then update PINNED_SDK_VERSION').toBe(PINNED_SDK_VERSION);
  });

  it('Server overrides Protocol.setRequestHandler (the wrapper the adapter skips still exists)', () => {
    expect(Server.prototype.setRequestHandler).not.toBe(Protocol.prototype.setRequestHandler);
  });

  it("Server's own tools/call handler validates the result (so a verbatim pass-through needs the adapter)", async () => {
    const client = await connected((s) => s.setRequestHandler(CallToolRequestSchema, async () => INVALID_RESULT as never));
    await expect(client.request({ method: 'tools/call', params: { name: 'x' } }, z.unknown() as never)).rejects.toThrow();
  });

  it('a raw tools/call handler answers its result verbatim, unparsed', async () => {
    const client = await connected((s) => setRawRequestHandler(s, CallToolRequestSchema, async () => INVALID_RESULT));
    await expect(client.request({ method: 'tools/call', params: { name: 'x' } }, z.unknown() as never)).resolves.toEqual(INVALID_RESULT);
  });

  it('a raw handler for a method the SDK schema would refuse is routed by its method alone', async () => {
    const Loose = z.looseObject({ method: z.literal('logging/setLevel'), params: z.looseObject({ level: z.unknown() }) });
    const client = await connected((s) => setRawRequestHandler(s, Loose, async (r) => ({ got: r.params.level })));
    await expect(client.request({ method: 'logging/setLevel', params: { level: 'loud' } } as never, z.unknown() as never)).resolves.toEqual({ got: 'loud' });
  });

  it("a ProxyError thrown by a raw handler is answered with the registry's JSON-RPC code and its message", async () => {
    const client = await connected((s) => setRawRequestHandler(s, CallToolRequestSchema, async () => { throw new ProxyError('ERR_UNKNOWN_TOOL', 'Unknown tool: x'); }));
    await expect(client.request({ method: 'tools/call', params: { name: 'x' } }, CallToolResultSchema)).rejects.toMatchObject({ code: -32602, message: expect.stringContaining('Unknown tool: x') });
  });

  it('any other error is -32603 without its own text (which may hold internals)', async () => {
    const client = await connected((s) => setRawRequestHandler(s, CallToolRequestSchema, async (): Promise<CallToolResult> => { throw new Error('secret path /var/x'); }));
    const err = await client.request({ method: 'tools/call', params: { name: 'x' } }, CallToolResultSchema).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: -32603 });
    expect(String((err as Error).message)).not.toContain('secret path');
  });
});
