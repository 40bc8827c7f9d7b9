// Attacker test for issue 11 finding 5 (MEDIUM), semi-blind SSRF: up to 300 characters of an
// internal service's error body landed in the gateway's lastError, which the operator copies into
// the McpGateway's status, readable by its author. A gateway author pointing `url` at an internal
// service could read its error pages. The real proxy; the "internal service" is a plain HTTP server.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId } from '../../../src/api/ids.ts';
import { eventually, startTestProxy, type TestProxy } from '../proxy/harness.ts';

const INTERNAL = 'internal-admin-console: db=10.0.0.5 user=root password=hunter2';

describe('attacker: a gateway pointed at an internal service that answers errors', () => {
  let internal: Server;
  let proxy: TestProxy;
  beforeAll(async () => {
    internal = createServer((req, res) => {
      const status = req.url?.includes('teapot') ? 418 : req.url?.includes('missing') ? 404 : 500;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(`${INTERNAL}\n${'detail '.repeat(40)}`);
    });
    await new Promise<void>((r) => internal.listen(0, '127.0.0.1', r));
    proxy = await startTestProxy();
  });
  afterAll(async () => {
    await proxy?.close();
    await new Promise((r) => internal?.close(r));
  });

  for (const [path, expected] of [['/mcp', 'HTTP 500 Internal Server Error'], ['/missing', 'HTTP 404 Not Found'], ['/teapot', "HTTP 418 I'm a Teapot"]] as const) {
    it(`${path}: lastError (what status shows) is "${expected}" and none of the body`, async () => {
      const port = (internal.address() as AddressInfo).port;
      const id = gatewayId('team-b', `probe${path.replace('/', '-')}`);
      await proxy.admin(`/gateways/${id}`, { method: 'PUT', body: { name: `probe${path.replace('/', '-')}`, namespace: 'team-b', url: `http://127.0.0.1:${port}${path}`, transport: 'STREAMABLEHTTP' } });
      const gw = await eventually(async () => {
        const g = (await proxy.admin(`/gateways/${id}`)).body as { lastError: string | null };
        return g.lastError ? g : undefined;
      }, 15_000, 'lastError set');
      expect(gw.lastError).toContain(expected);
      expect(JSON.stringify(await proxy.admin(`/gateways/${id}`))).not.toMatch(/hunter2|internal-admin-console|detail/);
    });
  }
});
