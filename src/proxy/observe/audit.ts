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

export class Audit {
  readonly #log: Logger;
  readonly #metrics: ProxyMetrics;

  constructor(logger: Logger, metrics: ProxyMetrics) {
    this.#log = logger.child({ component: 'audit' });
    this.#metrics = metrics;
  }

  record(r: AuditRecord): void {
    this.#log.info({ event: 'tool_call', ...r, durationMs: Math.round(r.durationMs * 1000) / 1000 }, 'tool call');
    const labels = { server: r.server, gateway: r.gateway ?? '', tool: r.tool };
    this.#metrics.toolCalls.inc({ ...labels, outcome: r.outcome });
    this.#metrics.toolLatency.observe(labels, r.durationMs / 1000);
    if (r.outcome !== 'ok') this.#metrics.toolErrors.inc({ ...labels, code: r.code ?? r.outcome });
  }
}
