// Attacker test for issue 11 finding 8 (LOW): operator-to-replica admin traffic was plain HTTP and
// carried the admin token and resolved Secret values (a gateway's bearer token), readable by anyone
// who can capture the pod network. Now the proxy's admin listener can serve TLS (a certificate from
// a Secret) and the operator checks it against a CA. A recording TCP relay sits on the wire between
// them. Real kube-apiserver, real operator, real proxy; certificates made by openssl.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId } from '../../../src/api/ids.ts';
import { AdminClient } from '../../../src/contract/client.ts';
import type { OperatorHandle } from '../../../src/operator/run.ts';
import { controlPlaneAvailable, type ControlPlane } from '../../support/control-plane.ts';
import { ADMIN_TOKEN, apply, eventually, gatewayDoc, startCluster, startTestOperator, startTestProxy, stopTestProxy, type TestProxy } from '../operator/harness.ts';

const available = controlPlaneAvailable();
if (!available) console.warn('admin-tls.test.ts skipped: no test control plane (docs/test-control-plane.md)');

const NS = 'team-a';
const SERVICE_NAME = 'mcp-gitops-proxy.mcp-gitops-system.svc';
const VALUE = 'upstream-bearer-VALUE-that-must-not-cross-in-clear';

/** A CA and a certificate for the proxy Service's in-cluster name, as cert-manager would issue. */
function certificates(dir: string): { ca: string; cert: string; key: string; otherCa: string } {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  for (const ca of ['ca', 'other-ca']) ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '1', '-subj', `/CN=${ca}`);
  ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'tls.key', '-out', 'tls.csr', '-subj', `/CN=${SERVICE_NAME}`);
  writeFileSync(join(dir, 'san.ext'), `subjectAltName=DNS:${SERVICE_NAME}\n`);
  ssl('x509', '-req', '-in', 'tls.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tls.pem', '-days', '1', '-extfile', 'san.ext');
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return { ca: read('ca.pem'), cert: read('tls.pem'), key: read('tls.key'), otherCa: read('other-ca.pem') };
}

/** A TCP relay to `port` that keeps every byte it forwards, both ways (what a network tap sees). */
async function tap(port: number): Promise<{ port: number; seen: () => Buffer; close(): Promise<void> }> {
  const chunks: Buffer[] = [];
  const server: Server = createServer((client) => {
    const upstream = createConnection(port, '127.0.0.1');
    client.on('data', (d: Buffer) => chunks.push(d));
    upstream.on('data', (d: Buffer) => chunks.push(d));
    client.pipe(upstream).on('error', () => client.destroy());
    upstream.pipe(client).on('error', () => upstream.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen: () => Buffer.concat(chunks),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.skipIf(!available)('attacker: read the admin wire between operator and proxy', () => {
  let cp: ControlPlane;
  let dir: string;
  let tls: ReturnType<typeof certificates>;
  let proxy: TestProxy;
  let wire: Awaited<ReturnType<typeof tap>>;
  let op: OperatorHandle;
  let admin: AdminClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'admin-tls-'));
    tls = certificates(dir);
    cp = await startCluster();
    await cp.kubectl(['create', 'namespace', NS], { check: true });
    await cp.kubectl(['-n', NS, 'create', 'secret', 'generic', 'upstream-token', `--from-literal=token=${VALUE}`], { check: true });
    await cp.kubectl(['-n', NS, 'label', 'secret', 'upstream-token', 'mcp-gitops.dev/allow-reference=true'], { check: true });
    proxy = await startTestProxy(0, { adminTls: { cert: tls.cert, key: tls.key } });
    const adminPort = Number(new URL(proxy.handle.adminUrl).port);
    wire = await tap(adminPort);
    admin = new AdminClient({ baseUrl: proxy.handle.adminUrl, token: ADMIN_TOKEN, tls: { ca: tls.ca, servername: SERVICE_NAME } });
    op = await startTestOperator(cp, { proxyUrl: [`https://127.0.0.1:${wire.port}`], proxyAdminCa: tls.ca, proxyAdminServerName: SERVICE_NAME });
  }, 120_000);
  afterAll(async () => {
    await op?.stop();
    await admin?.close();
    await wire?.close();
    if (proxy) await stopTestProxy(proxy);
    await cp?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the operator converges the replica over TLS; neither the admin token nor the Secret value crosses the wire in clear', async () => {
    await apply(cp, gatewayDoc(NS, 'edge', 'http://127.0.0.1:9/mcp', { auth: { type: 'Bearer', bearer: { secretRef: { name: 'upstream-token', key: 'token' } } } }));
    const held = await eventually(async () => (await admin.getGateway(gatewayId(NS, 'edge'))) ?? undefined, 30_000, 'the gateway registered through TLS');
    expect(held.authType).toBe('bearer');
    const seen = wire.seen();
    expect(seen.length).toBeGreaterThan(1000);
    expect(seen.includes(Buffer.from(VALUE))).toBe(false);
    expect(seen.includes(Buffer.from(ADMIN_TOKEN))).toBe(false);
    expect(seen.includes(Buffer.from('/gateways/'))).toBe(false);
  });

  it('the admin port speaks only TLS, and a certificate from another CA is refused', async () => {
    await expect(fetch(`${proxy.handle.adminUrl.replace('https:', 'http:')}/v1/gateways`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).rejects.toThrow();
    const impostor = new AdminClient({ baseUrl: proxy.handle.adminUrl, token: ADMIN_TOKEN, tls: { ca: tls.otherCa, servername: SERVICE_NAME }, timeoutMs: 3_000 });
    await expect(impostor.getGateway(gatewayId(NS, 'edge'))).rejects.toThrow();
    await impostor.close();
    const wrongName = new AdminClient({ baseUrl: proxy.handle.adminUrl, token: ADMIN_TOKEN, tls: { ca: tls.ca, servername: 'evil.example.com' }, timeoutMs: 3_000 });
    await expect(wrongName.getGateway(gatewayId(NS, 'edge'))).rejects.toThrow();
    await wrongName.close();
  });
});
