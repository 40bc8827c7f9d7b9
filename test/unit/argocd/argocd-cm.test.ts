/**
 * The two ways the health check reaches Argo CD carry health.lua verbatim: the argocd-cm merge patch
 * (manifests/argocd/argocd-cm-patch.yaml) and the kustomize Component (manifests/argocd/).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ARGOCD_CM_PATCH, HEALTH_LUA, healthKey, KINDS, renderArgoCdCmPatch } from './render-argocd-cm-patch.ts';

const lua = readFileSync(HEALTH_LUA, 'utf8');
const COMPONENT = fileURLToPath(new URL('../../../manifests/argocd/', import.meta.url));
const KUBECTL = process.env.KUBEBUILDER_ASSETS ? join(process.env.KUBEBUILDER_ASSETS, 'kubectl') : 'kubectl';
const hasKubectl = spawnSync(KUBECTL, ['version', '--client'], { stdio: 'ignore' }).status === 0;

describe('argocd-cm health customizations', () => {
  it('the merge patch holds health.lua under both kinds’ keys, as rendered from it', () => {
    const text = readFileSync(ARGOCD_CM_PATCH, 'utf8');
    const { data } = parse(text) as { data: Record<string, string> };
    expect(Object.keys(data).sort()).toEqual(KINDS.map(healthKey).sort());
    for (const kind of KINDS) expect(data[healthKey(kind)], kind).toBe(lua);
    expect(text, 'stale: run node test/unit/argocd/render-argocd-cm-patch.ts > manifests/argocd/argocd-cm-patch.yaml').toBe(
      renderArgoCdCmPatch(lua),
    );
  });

  it.skipIf(!hasKubectl)('the kustomize Component merges health.lua into an existing argocd-cm', () => {
    const dir = mkdtempSync(join(tmpdir(), 'argocd-cm-'));
    try {
      writeFileSync(
        join(dir, 'argocd-cm.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: argocd-cm\n  namespace: argocd\ndata:\n  url: https://argocd.example.com\n',
      );
      writeFileSync(
        join(dir, 'kustomization.yaml'),
        `resources: [argocd-cm.yaml]\ncomponents: [${relative(dir, COMPONENT)}]\n`,
      );
      const out = execFileSync(KUBECTL, ['kustomize', '--load-restrictor=LoadRestrictionsNone', dir], { encoding: 'utf8' });
      const [cm] = parseAllDocuments(out).map((d) => d.toJS() as { metadata: { name: string }; data: Record<string, string> });
      expect(cm?.metadata.name).toBe('argocd-cm');
      expect(cm?.data.url).toBe('https://argocd.example.com');
      for (const kind of KINDS) expect(cm?.data[healthKey(kind)], kind).toBe(lua);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
