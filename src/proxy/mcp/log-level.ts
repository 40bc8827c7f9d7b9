/**
 * `logging/setLevel` for agents. The proxy does not forward it upstream: one upstream session
 * serves many agents (static credentials), so one agent's level would change what all the others
 * receive. Instead each agent session keeps its own level, and the upstream's log lines relayed to
 * it are filtered here: only `notifications/message` at or above that level passes (RFC 5424
 * order, as the MCP spec's `LoggingLevel`). No level set = everything the upstream sends. The proxy
 * sets each upstream that declares `logging` to `debug` once per upstream session
 * (upstream/session.ts), so every agent can choose from everything.
 */
import { LoggingLevelSchema, type LoggingLevel } from '@modelcontextprotocol/sdk/types.js';

const SEVERITY = new Map<string, number>(LoggingLevelSchema.options.map((level, index) => [level, index]));

type Notification = { method: string; params?: Record<string, unknown> };

/** Wraps `notify` so that log lines below `level()` are dropped; other notifications pass. */
export function logFilter(notify: (n: Notification) => unknown, level: (() => LoggingLevel | undefined) | undefined): (n: Notification) => void {
  if (!level) return (n) => void notify(n);
  return (n) => {
    const min = level();
    if (min !== undefined && n.method === 'notifications/message') {
      const severity = SEVERITY.get(String(n.params?.level));
      if (severity !== undefined && severity < SEVERITY.get(min)!) return;
    }
    void notify(n);
  };
}
