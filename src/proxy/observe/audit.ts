/**
 * The audit trail: one structured log line per tool invocation, and the matching metrics.
 * Contains who, where, which tool, the outcome and the duration — never argument values, never
 * tokens.
 */
import type { Logger } from 'pino';
import type { ProxyMetrics } from './metrics.ts';

export type CallOutcome = 'ok' | 'tool_error' | 'rpc_error' | 'unknown_tool' | 'unavailable' | 'consent_required' | 'auth_error' | 'timeout' | 'cancelled' | 'forbidden';

export interface AuditRecord {
  user: string;
  serverId: string;
  server: string;
  gatewayId: string | undefined;
  gateway: string | undefined;
  /** The name as served to the agent. */
  tool: string;
  /** The upstream's name for it. */
  upstreamTool: string | undefined;
  outcome: CallOutcome;
  /** Stable error code when the outcome is not `ok`. */
  code?: string;
  durationMs: number;
  transport: 'streamable-http' | 'sse' | 'invoke';
}

/** The metric children of one (server, gateway, tool), resolved once: label hashing is per call otherwise. */
interface ToolSeries {
  calls: Map<string, { inc(): void }>;
  latency: { observe(v: number): void };
  labels: { server: string; gateway: string; tool: string };
}

export class Audit {
  readonly #log: Logger;
  readonly #metrics: ProxyMetrics;
  readonly #series = new Map<string, ToolSeries>();

  constructor(logger: Logger, metrics: ProxyMetrics) {
    this.#log = logger.child({ component: 'audit' });
    this.#metrics = metrics;
  }

  record(r: AuditRecord): void {
    this.#log.info({ event: 'tool_call', ...r, durationMs: Math.round(r.durationMs * 1000) / 1000 }, 'tool call');
    const series = this.#seriesOf(r.server, r.gateway ?? '', r.tool);
    let calls = series.calls.get(r.outcome);
    if (!calls) series.calls.set(r.outcome, (calls = this.#metrics.toolCalls.labels({ ...series.labels, outcome: r.outcome })));
    calls.inc();
    series.latency.observe(r.durationMs / 1000);
    if (r.outcome !== 'ok') this.#metrics.toolErrors.inc({ ...series.labels, code: r.code ?? r.outcome });
  }

  #seriesOf(server: string, gateway: string, tool: string): ToolSeries {
    const key = `${server}\u0000${gateway}\u0000${tool}`;
    let s = this.#series.get(key);
    if (!s) {
      const labels = { server, gateway, tool };
      s = { calls: new Map(), latency: this.#metrics.toolLatency.labels(labels), labels };
      if (this.#series.size > 50_000) this.#series.clear();
      this.#series.set(key, s);
    }
    return s;
  }
}
