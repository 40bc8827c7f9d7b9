/**
 * The objects the operator benchmark applies, and how it sees them become Ready: its own reflectors
 * (watches, not polling, so latencies are exact).
 */
import type { KubeClient } from '../../../src/kube/client.ts';
import { Reflector } from '../../../src/operator/kube/reflector.ts';
import { collectionPath, type RawResource } from '../../../src/operator/objects.ts';
import { isReady } from '../operator-harness.ts';

export const NS = 'bench';

/**
 * The gateways' health-check and tool-refresh intervals: the CRD's defaults (30 s, 300 s) unless
 * BENCH_HEALTH_S / BENCH_REFRESH_S say otherwise. At 10,000 gateways on this 2-core machine the one
 * proxy replica's pings and refreshes at the defaults compete with the API server for the same cores
 * (docs/operator.md, "The operator at 20,000 objects"); the 20,000-object table says which it used.
 */
const HEALTH_S = process.env.BENCH_HEALTH_S ? Number(process.env.BENCH_HEALTH_S) : undefined;
const REFRESH_S = process.env.BENCH_REFRESH_S ? Number(process.env.BENCH_REFRESH_S) : undefined;
export const intervals = `health check ${HEALTH_S ?? 30} s, tool refresh ${REFRESH_S ?? 300} s`;

export const gw = (name: string, url: string) => ({
  apiVersion: 'mcp-gitops.dev/v1alpha1',
  kind: 'McpGateway',
  metadata: { name, namespace: NS },
  spec: { url, transport: 'StreamableHTTP', allowPrivateNetwork: true, ...(HEALTH_S ? { healthCheck: { intervalSeconds: HEALTH_S } } : {}), ...(REFRESH_S ? { toolRefresh: { intervalSeconds: REFRESH_S } } : {}) },
});
export const vs = (name: string, gateway: string) => ({ apiVersion: 'mcp-gitops.dev/v1alpha1', kind: 'VirtualServer', metadata: { name, namespace: NS }, spec: { tools: [{ gateway, include: ['echo', 'add'] }] } });

export type Kind = 'McpGateway' | 'VirtualServer';

/** Runs `fn` over `items`, `width` at a time. */
export async function pool<T>(items: readonly T[], width: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

/**
 * Watches both kinds in the namespace: when each object first became Ready (`readyAt`, by
 * `Kind/name`), and when a change awaited with `expect` became Ready for its generation.
 */
export class ReadinessWatch {
  readonly readyAt = new Map<string, number>();
  /** VirtualServer name → the generation a change waits for, and when it became Ready for it. */
  readonly changes = new Map<string, { generation: number; readyAt?: number }>();
  readonly #reflectors: Reflector<RawResource>[];

  constructor(kube: KubeClient) {
    this.#reflectors = (['McpGateway', 'VirtualServer'] as const).map(
      (kind) =>
        new Reflector<RawResource>({
          client: kube,
          path: collectionPath(kind, NS),
          transform: (o) => ({ kind: o.kind, metadata: { name: o.metadata.name, namespace: o.metadata.namespace, resourceVersion: o.metadata.resourceVersion, generation: o.metadata.generation }, status: o.status }) as RawResource,
          onChange: (type, o) => {
            const key = `${kind}/${o.metadata.name}`;
            if (type === 'DELETED') return void this.readyAt.delete(key);
            if (isReady(o) && !this.readyAt.has(key)) this.readyAt.set(key, performance.now());
            const c = kind === 'VirtualServer' ? this.changes.get(o.metadata.name) : undefined;
            if (c && c.readyAt === undefined && isReady(o) && (o.metadata.generation ?? 0) >= c.generation) c.readyAt = performance.now();
          },
        }),
    );
  }

  async start(): Promise<void> {
    await Promise.all(this.#reflectors.map((r) => r.start()));
  }

  /** Every object of both kinds as last seen. */
  list(): RawResource[] {
    return this.#reflectors.flatMap((r) => r.list());
  }

  async stop(): Promise<void> {
    await Promise.all(this.#reflectors.map((r) => r.stop()));
  }
}
