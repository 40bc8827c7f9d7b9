import { pino, type Logger } from 'pino';
import type { Environment } from '../config/env.ts';

/**
 * The process logger of a long-running command: JSON lines on stdout (pino) at `level`
 * (`MCP_GITOPS_LOG_LEVEL`, validated by config/env.ts; the manifests set it from the
 * mcp-gitops-config ConfigMap; default `info`).
 */
export function processLogger(name: string, level: Environment['MCP_GITOPS_LOG_LEVEL']): Logger {
  return pino({ name, level });
}
