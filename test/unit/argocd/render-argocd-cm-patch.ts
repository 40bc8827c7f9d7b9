/**
 * Renders manifests/argocd/argocd-cm-patch.yaml from manifests/argocd/health.lua: the argocd-cm keys
 * `resource.customizations.health.mcp-gitops.dev_<Kind>` for both kinds, each the script verbatim.
 *
 *   node test/unit/argocd/render-argocd-cm-patch.ts > manifests/argocd/argocd-cm-patch.yaml
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The kinds the script is registered for. */
export const KINDS = ['McpGateway', 'VirtualServer'] as const;

/** The argocd-cm key Argo CD reads a kind's health script from. */
export function healthKey(kind: string): string {
  return `resource.customizations.health.mcp-gitops.dev_${kind}`;
}

/** Path of the one health script. */
export const HEALTH_LUA = fileURLToPath(new URL('../../../manifests/argocd/health.lua', import.meta.url));

/** Path of the rendered patch. */
export const ARGOCD_CM_PATCH = fileURLToPath(new URL('../../../manifests/argocd/argocd-cm-patch.yaml', import.meta.url));

/** The patch file's text for the given script (a YAML literal block per kind, indented 4). */
export function renderArgoCdCmPatch(lua: string): string {
  const block = lua
    .replace(/\n+$/, '')
    .split('\n')
    .map((line) => (line === '' ? '' : `    ${line}`))
    .join('\n');
  const header = [
    '# Argo CD health checks for McpGateway and VirtualServer, as a merge patch for the argocd-cm',
    '# ConfigMap of any Argo CD installation:',
    '#',
    '#   kubectl -n argocd patch configmap argocd-cm --type merge --patch-file manifests/argocd/argocd-cm-patch.yaml',
    '#',
    '# Generated from manifests/argocd/health.lua (both values are the script verbatim; a test checks it):',
    '#   node test/unit/argocd/render-argocd-cm-patch.ts > manifests/argocd/argocd-cm-patch.yaml',
    'data:',
  ];
  return `${[...header, ...KINDS.flatMap((kind) => [`  ${healthKey(kind)}: |`, block])].join('\n')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(renderArgoCdCmPatch(readFileSync(HEALTH_LUA, 'utf8')));
}
