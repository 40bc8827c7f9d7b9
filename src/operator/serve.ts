/**
 * The operator's two small HTTP listeners: `/metrics` on `--metrics-bind-address` and
 * `/healthz` + `/readyz` on `--health-probe-bind-address` (kubebuilder's flags and defaults).
 * An address of `0` disables a listener.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** `host:port` or `:port` → listen arguments; `0` = disabled. Port 0 with a host picks a free port. */
export function parseBindAddress(addr: string): { host: string; port: number } | undefined {
  if (addr === '0' || addr === '') return undefined;
  const i = addr.lastIndexOf(':');
  if (i < 0) throw new Error(`bind address "${addr}" must be host:port, :port, or 0 to disable`);
  const host = addr.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0';
  const port = Number(addr.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bind address "${addr}": port must be 0-65535`);
  return { host, port };
}

export interface Listener {
  url: string;
  close(): Promise<void>;
}

async function listen(server: Server, bind: { host: string; port: number }): Promise<Listener> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(bind.port, bind.host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return {
    url: `http://${host}:${a.port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export function serveMetrics(registry: Registry, bind: { host: string; port: number }): Promise<Listener> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        () => {
          res.writeHead(500).end();
        },
      );
      return;
    }
    res.writeHead(404).end();
  });
  return listen(server, bind);
}

/** `/healthz`: the process runs. `/readyz`: `ready()` says the caches are synced. */
export function serveProbes(ready: () => boolean, bind: { host: string; port: number }): Promise<Listener> {
  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    } else if (path === '/readyz') {
      const ok = ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok' : 'caches not synced');
    } else {
      res.writeHead(404).end();
    }
  });
  return listen(server, bind);
}
