/** `mcp-gitops token` flags, declared once (help and defaults included). */
import { z } from 'zod';
import { defineOptions } from './options.ts';
import { HS256_DEFAULT_AUDIENCE, HS256_DEFAULT_ISSUER } from '../proxy/agent-auth/options.ts';

export const tokenOptions = defineOptions({
  secretFile: { arg: 'FILE', help: "the agent JWT secret (as written by 'mcp-gitops keys --only agent' or the dev data dir)", schema: z.string({ error: 'is required' }) },
  sub: { arg: 'USER', help: "the user the agent acts for (the token's 'sub')", schema: z.string({ error: 'is required' }).min(1) },
  groups: { arg: 'LIST', help: "comma-separated groups (the token's 'groups' claim)", schema: z.string().optional() },
  ttl: { arg: 'SECONDS', help: 'lifetime', schema: z.coerce.number().int().positive().default(3600) },
  iss: { arg: 'ISS', help: "the token's 'iss' (the proxy's --agent-hs256-issuer)", schema: z.string().min(1).default(HS256_DEFAULT_ISSUER) },
  aud: { arg: 'AUD', help: "the token's 'aud' (the proxy's --agent-hs256-audience)", schema: z.string().min(1).default(HS256_DEFAULT_AUDIENCE) },
});
