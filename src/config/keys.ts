/** `mcp-gitops keys` flags, declared once (help and defaults included). */
import { z } from 'zod';
import { SYSTEM_NAMESPACE } from './env.ts';
import { defineOptions } from './options.ts';

export const keysOptions = defineOptions({
  namespace: {
    arg: 'NS',
    help: 'namespace of the Secrets',
    schema: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a namespace name').default(SYSTEM_NAMESPACE),
  },
  only: {
    arg: 'KIND',
    help: 'print only one of: vault (AES-256-GCM key ring), admin (admin API token),\nagent (HS256 secret for agent tokens: examples/dev-hs256/ only)',
    schema: z.enum(['vault', 'admin', 'agent']).optional(),
  },
});
