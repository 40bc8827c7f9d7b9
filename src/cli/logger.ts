import { pino, type Logger } from 'pino';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * The process logger of a long-running command: JSON lines on stdout (pino), level from env
 * `MCP_GITOPS_LOG_LEVEL` (the manifests set it from the mcp-gitops-config ConfigMap), default `info`.
 * An unknown level is a start-up error naming the variable.
 */
export function processLogger(name: string): Logger {
  const level = process.env.MCP_GITOPS_LOG_LEVEL?.trim() || 'info';
  if (!(LEVELS as readonly string[]).includes(level)) {
    throw new Error(`MCP_GITOPS_LOG_LEVEL must be one of ${LEVELS.join(', ')}`);
  }
  return pino({ name, level });
}
