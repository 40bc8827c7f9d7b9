/**
 * The audit trail: one structured log line per tool invocation (and per prompt, resource or
 * completion request), and the matching metrics.
 * Contains who, where, which tool, the outcome and the duration — never argument values, never
 * tokens.
 */
import type { Logger } from 'pino';
import { capped, LabelValues, UNKNOWN_TOOL_LABEL } from './label-values.ts';
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
  /** `admin-token`: the call came with the admin token, acting as the configured admin identity (`user`). */
  credential?: 'admin-token';
}

/** How a prompt, resource or completion request ended (`mcp/catalog-requests.ts`). */
export type RequestOutcome = 'ok' | 'rpc_error' | 'unknown_name' | 'unavailable' | 'consent_required' | 'auth_error' | 'timeout' | 'cancelled' | 'forbidden';

/** One prompt, resource or completion request an agent made through a virtual server. */
export interface RequestAuditRecord {
  user: string;
  serverId: string;
  server: string;
  gatewayId: string | undefined;
  gateway: string | undefined;
  /** The MCP method, e.g. `resources/read`. */
  method: string;
  /** What it named as served: a prompt name, a resource URI or URI template (at most 200 characters). */
  name: string;
  /** The upstream's name for it (a prompt's original name). */
  upstreamName: string | undefined;
  outcome: RequestOutcome;
  code?: string;
  durationMs: number;
  transport: 'streamable-http' | 'sse';
}

/** The metric children of one (server, gateway, tool), resolved once: label hashing is per call otherwise. */
interface ToolSeries {
  calls: Map<string, { inc(): void }>;
  latency: { observe(v: number): void };
  labels: { server: string; gateway: string; tool: string };
}

/** Distinct tool label values a proxy keeps (served names; more than any catalog here holds). */
const MAX_TOOL_LABELS = 10_000;
/** Distinct error-code label values (the proxy's codes plus JSON-RPC codes upstreams answer). */
const MAX_CODE_LABELS = 200;

export class Audit {
  readonly #log: Logger;
  readonly #metrics: ProxyMetrics;
  readonly #series = new Map<string, ToolSeries>();
  readonly #tools = new LabelValues(MAX_TOOL_LABELS);
  readonly #codes = new LabelValues(MAX_CODE_LABELS);

  constructor(logger: Logger, metrics: ProxyMetrics) {
    this.#log = logger.child({ component: 'audit' });
    this.#metrics = metrics;
  }

  /**
   * Logs the call and counts it. The tool label is the served name (capped) only when the call
   * resolved a served tool (`upstreamTool` set); any name an agent makes up is `(unknown)`.
   */
  record(r: AuditRecord): void {
    this.#log.info({ event: 'tool_call', ...r, tool: capped(r.tool), durationMs: Math.round(r.durationMs * 1000) / 1000 }, 'tool call');
    const tool = r.upstreamTool === undefined ? UNKNOWN_TOOL_LABEL : this.#tools.of(r.tool);
    const series = this.#seriesOf(r.server, r.gateway ?? '', tool);
    let calls = series.calls.get(r.outcome);
    if (!calls) series.calls.set(r.outcome, (calls = this.#metrics.toolCalls.labels({ ...series.labels, outcome: r.outcome })));
    calls.inc();
    series.latency.observe(r.durationMs / 1000);
    if (r.outcome !== 'ok') this.#metrics.toolErrors.inc({ ...series.labels, code: this.#codes.of(r.code ?? r.outcome) });
  }

  /** Audits a prompt, resource or completion request (log line + `mcp_gitops_requests_total` and its duration). */
  request(r: RequestAuditRecord): void {
    this.#log.info({ event: 'mcp_request', ...r, durationMs: Math.round(r.durationMs * 1000) / 1000 }, 'mcp request');
    const labels = { server: r.server, gateway: r.gateway ?? '', method: r.method };
    this.#metrics.requests.inc({ ...labels, outcome: r.outcome });
    this.#metrics.requestLatency.observe(labels, r.durationMs / 1000);
  }

  #seriesOf(server: string, gateway: string, tool: string): ToolSeries {
    const key = `${server}\u0000${gateway}\u0000${tool}`;
    let s = this.#series.get(key);
    if (!s) {
      const labels = { server, gateway, tool };
      s = { calls: new Map(), latency: this.#metrics.toolLatency.labels(labels), labels };
      this.#series.set(key, s);
    }
    return s;
  }
}
