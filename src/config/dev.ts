/** The `dev` process's flags, declared once (help and defaults included). */
import { z } from 'zod';
import { defineOptions } from './options.ts';

const port = z.coerce.number().int().min(0).max(65535);

export const devOptions = defineOptions({
  port: { arg: 'N', help: 'agent + admin API port; the admin API shares it in dev', schema: port.default(4444) },
  host: { arg: 'ADDR', help: 'bind address', schema: z.string().default('127.0.0.1') },
  upstreamPort: { arg: 'N', help: 'port for server-everything, which examples/local uses; 0 = none', schema: port.default(3001) },
  dataDir: { arg: 'DIR', help: 'dev secrets and the encrypted token vault', schema: z.string().default('.data/dev') },
  user: { arg: 'NAME', help: 'the user of the printed agent token, and whom the admin token\nacts as on POST /tools/invoke', schema: z.string().min(1).default('dev@example.com') },
  target: {
    arg: 'proxy|contextforge',
    help: 'converge into the embedded proxy, or into a running ContextForge:\nmcp-gitops dev --target contextforge URL [DIR] (docs/contextforge.md)',
    schema: z.enum(['proxy', 'contextforge']).default('proxy'),
  },
  contextforgeTokenFile: {
    arg: 'FILE',
    help: "ContextForge's admin credential (or env MCPGATEWAY_BEARER_TOKEN, the seed's variable)",
    schema: z.string().min(1).optional(),
  },
});
export const DevFlags = devOptions.schema;
export const devFlagSpec = devOptions.spec;
