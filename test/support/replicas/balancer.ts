/**
 * A round-robin HTTP balancer on loopback, standing in for a Kubernetes Service (or an ingress)
 * without session affinity: every request goes to the next backend in rotation, whatever session
 * it belongs to.
 *
 * - Each request gets its own connection to the backend, so "in flight on a replica" is exact: a
 *   request whose connection was established and then broke before the response ended was in
 *   flight there (`cut`); a connection refused (replica gone, not yet out of rotation) is tried on
 *   the next backend, as ingress controllers retry connect errors.
 * - It reads JSON-RPC request bodies to count `initialize` requests and cut requests by method.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BalancerCounts {
  /** POSTed `initialize` requests (new agent sessions). */
  initializes: number;
  /** Requests in flight on a backend when its connection broke, by JSON-RPC method (`GET` for streams). */
  cut: Record<string, number>;
  /** Requests retried on another backend after a refused connection. */
  retried: number;
  /** Requests forwarded, by backend name. */
  byBackend: Record<string, number>;
}

interface Backend {
  name: string;
  port: number;
  live: boolean;
}

export class RoundRobinBalancer {
  readonly counts: BalancerCounts = { initializes: 0, cut: {}, retried: 0, byBackend: {} };
  readonly #backends: Backend[] = [];
  #next = 0;
  #server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Puts backend `name` (at `port`) into rotation, replacing an earlier one of that name. */
  up(name: string, port: number): void {
    const existing = this.#backends.find((b) => b.name === name);
    if (existing) Object.assign(existing, { port, live: true });
    else this.#backends.push({ name, port, live: true });
  }

  /** Takes backend `name` out of rotation (as an endpoints controller does for a terminating pod). */
  down(name: string): void {
    const b = this.#backends.find((x) => x.name === name);
    if (b) b.live = false;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server?.close(() => resolve());
      this.#server?.closeAllConnections();
    });
  }

  #pick(skip: Set<Backend>): Backend | undefined {
    for (let i = 0; i < this.#backends.length; i++) {
      const b = this.#backends[this.#next++ % this.#backends.length]!;
      if (b.live && !skip.has(b)) return b;
    }
    return undefined;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    const body = Buffer.concat(chunks);
    let method: unknown;
    if (req.method === 'POST' && body.length) {
      try {
        method = (JSON.parse(body.toString()) as { method?: unknown }).method;
      } catch {
        method = undefined;
      }
    }
    if (method === 'initialize') this.counts.initializes++;
    const tried = new Set<Backend>();
    for (;;) {
      const backend = this.#pick(tried);
      if (!backend) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('no backend in rotation');
        return;
      }
      tried.add(backend);
      const outcome = await this.#forward(backend, req, res, body);
      if (outcome === 'refused') {
        this.counts.retried++;
        continue;
      }
      this.counts.byBackend[backend.name] = (this.counts.byBackend[backend.name] ?? 0) + 1;
      if (outcome === 'cut') {
        const what = typeof method === 'string' ? method : (req.method ?? '?');
        this.counts.cut[what] = (this.counts.cut[what] ?? 0) + 1;
      }
      return;
    }
  }

  #forward(backend: Backend, req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<'done' | 'refused' | 'cut'> {
    return new Promise((resolve) => {
      let connected = false;
      const up = request({ host: '127.0.0.1', port: backend.port, method: req.method, path: req.url, headers: { ...req.headers, connection: 'close' }, agent: false });
      up.once('socket', (s) => s.once('connect', () => (connected = true)));
      up.once('response', (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
        r.once('error', () => cut());
        r.once('aborted', () => cut());
        r.once('end', () => resolve('done'));
        res.once('close', () => {
          if (!r.complete) up.destroy();
        });
      });
      const cut = () => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end('backend connection broke');
        else res.destroy();
        resolve('cut');
      };
      up.once('error', (err: NodeJS.ErrnoException) => {
        if (!connected && (err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET')) resolve('refused');
        else cut();
      });
      up.end(body);
    });
  }
}
