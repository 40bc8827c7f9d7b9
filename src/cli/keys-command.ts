import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { keysOptions } from '../config/keys.ts';
import { parseFlags } from '../config/flags.ts';
import { Keyring, KEYRING_SECRET_KEY } from '../vault/index.ts';

/**
 * Names the manifests reference (manifests/ the vault key and the admin token; the agent secret only
 * examples/dev-hs256/); change both together.
 */
export const SECRET_NAMES = {
  vault: 'mcp-gitops-vault-key',
  admin: 'mcp-gitops-admin-token',
  agent: 'mcp-gitops-agent-jwt',
} as const;

function secret(name: string, namespace: string, stringData: Record<string, string>): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/part-of': 'mcp-gitops' } },
    type: 'Opaque',
    stringData,
  };
}

/**
 * `mcp-gitops keys`: prints freshly generated Secrets as multi-document YAML: by default the two the
 * install references (manifests/ authenticates agents with OIDC), `--only agent` the HS256 secret of
 * the dev overlay (examples/dev-hs256/).
 */
export async function run(argv: string[]): Promise<number> {
  const { flags } = parseFlags(argv, keysOptions.spec, keysOptions.schema);
  const all = {
    vault: () => secret(SECRET_NAMES.vault, flags.namespace, { [KEYRING_SECRET_KEY]: Keyring.generate().serialize() }),
    admin: () => secret(SECRET_NAMES.admin, flags.namespace, { token: randomBytes(32).toString('base64url') }),
    agent: () => secret(SECRET_NAMES.agent, flags.namespace, { secret: randomBytes(32).toString('base64url') }),
  };
  const kinds = flags.only ? [flags.only] : (['vault', 'admin'] as const);
  process.stdout.write(kinds.map((k) => stringify(all[k]())).join('---\n'));
  return 0;
}
