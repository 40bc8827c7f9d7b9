/**
 * N proxy replicas (child processes sharing one session key) behind a {@link RoundRobinBalancer},
 * each given the same registrations through its admin API, as the operator does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { RoundRobinBalancer } from './balancer.ts';

const REPLICA = fileURLToPath(new URL('./proxy-replica.ts', import.meta.url));

interface Replica {
  name: string;
  port: number;
  child: ChildProcess;
}

/** One registration call: PUT `path` with `body` on every replica. */
export interface Registration {
  path: string;
  body: unknown;
}

export class ReplicaSet {
  readonly balancer = new RoundRobinBalancer();
  readonly sessionKey = randomBytes(32).toString('base64url');
  readonly #replicas = new Map<string, Replica>();
  readonly #env: Record<string, string>;
  readonly #registrations: Registration[];
  /** Resolves when a replica's registrations are served (e.g. its virtual server lists its tools). */
  readonly #ready: (adminUrl: string) => Promise<void>;

  constructor(options: { adminToken: string; agentSecret: string; registrations: Registration[]; ready: (adminUrl: string) => Promise<void>; shutdownGraceMs?: number }) {
    this.#env = { ADMIN_TOKEN: options.adminToken, AGENT_SECRET: options.agentSecret, SESSION_KEY: this.sessionKey, SHUTDOWN_GRACE_MS: String(options.shutdownGraceMs ?? 15_000) };
    this.#registrations = options.registrations;
    this.#ready = options.ready;
  }

  get names(): string[] {
    return [...this.#replicas.keys()];
  }

  async start(count: number): Promise<void> {
    await this.balancer.start();
    await Promise.all(Array.from({ length: count }, (_, i) => this.startReplica(`r${i}`)));
  }

  /** Starts replica `name` (again), registers everything on it, then puts it into rotation. */
  async startReplica(name: string): Promise<void> {
    const child = spawn(process.execPath, [REPLICA], { env: { ...process.env, ...this.#env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /LISTENING (\d+)/.exec(stderr);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`replica ${name} exited with ${code}: ${stderr.slice(-2000)}`)));
    });
    const adminUrl = `http://127.0.0.1:${port}`;
    for (const r of this.#registrations) {
      const res = await fetch(adminUrl + r.path, { method: 'PUT', headers: { authorization: `Bearer ${this.#env.ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(r.body) });
      if (!res.ok) throw new Error(`registering ${r.path} on ${name}: ${res.status} ${await res.text()}`);
    }
    await this.#ready(adminUrl);
    this.#replicas.set(name, { name, port, child });
    this.balancer.up(name, port);
  }

  /** SIGKILL: the replica vanishes with whatever it had in flight; the balancer notices only later. */
  async kill(name: string): Promise<void> {
    const r = this.#replicas.get(name)!;
    await stopped(r.child, 'SIGKILL');
    this.balancer.down(name);
  }

  /**
   * As Kubernetes rolls a pod of manifests/proxy/deployment.yaml: out of rotation, the preStop
   * pause (requests already routed there arrive), then SIGTERM (drain).
   */
  async terminate(name: string): Promise<void> {
    const r = this.#replicas.get(name)!;
    this.balancer.down(name);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await stopped(r.child, 'SIGTERM');
  }

  async close(): Promise<void> {
    await Promise.all([...this.#replicas.values()].map((r) => stopped(r.child, 'SIGKILL')));
    await this.balancer.close();
  }
}

function stopped(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
