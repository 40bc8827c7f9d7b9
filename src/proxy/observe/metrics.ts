/**
 * Prometheus metrics of one proxy (its own registry, so two proxies in one process do not collide).
 * Labels are bounded: server and gateway names come from registrations, tool names only from the
 * served catalog (`(unknown)` for any other name an agent sends), capped in length and in count
 * (`label-values.ts`); `method` is one of the MCP methods the proxy forwards (never a resource URI
 * or a prompt argument). Served on the admin listener only, never the agent port (`runtime.ts`).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Seconds: from a local hop (1 ms) to a long tool call (1 min). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class ProxyMetrics {
  readonly registry = new Registry();
  readonly toolCalls = new Counter({ name: 'mcp_gitops_tool_calls_total', help: 'Tool calls through the proxy, by outcome.', labelNames: ['server', 'gateway', 'tool', 'outcome'] as const, registers: [this.registry] });
  readonly toolErrors = new Counter({ name: 'mcp_gitops_tool_call_errors_total', help: 'Tool calls that did not succeed, by error code.', labelNames: ['server', 'gateway', 'tool', 'code'] as const, registers: [this.registry] });
  readonly toolLatency = new Histogram({
    name: 'mcp_gitops_tool_call_duration_seconds',
    help: 'Duration of tool calls through the proxy, upstream time included.',
    labelNames: ['server', 'gateway', 'tool'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly requests = new Counter({ name: 'mcp_gitops_requests_total', help: 'Prompt, resource and completion requests through the proxy, by method and outcome.', labelNames: ['server', 'gateway', 'method', 'outcome'] as const, registers: [this.registry] });
  readonly requestLatency = new Histogram({
    name: 'mcp_gitops_request_duration_seconds',
    help: 'Duration of prompt, resource and completion requests through the proxy, upstream time included.',
    labelNames: ['server', 'gateway', 'method'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly upstreamUp = new Gauge({ name: 'mcp_gitops_upstream_up', help: '1 when the gateway’s upstream answered its last check, else 0.', labelNames: ['gateway'] as const, registers: [this.registry] });
  readonly agentSessions = new Gauge({ name: 'mcp_gitops_agent_sessions', help: 'Open agent sessions, by transport.', labelNames: ['transport'] as const, registers: [this.registry] });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }
}
