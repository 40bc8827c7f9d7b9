/**
 * The Argo CD health check (manifests/argocd/health.lua) run by the real Lua interpreter, in Argo CD's
 * sandbox, against status fixtures shaped exactly like the status the operator writes (each fixture
 * must parse with the resource schemas of src/api/). Expected results: test/fixtures/argocd/health_test.yaml.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { McpGateway } from '../../../src/api/mcp-gateway.ts';
import { VirtualServer } from '../../../src/api/virtual-server.ts';
import { HEALTH_LUA } from './render-argocd-cm-patch.ts';
import { LUA, luaAvailable, runHealthScript } from './lua-runner.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/argocd/', import.meta.url));

interface HealthTest {
  inputPath: string;
  healthStatus: { status: string; message: string };
}

const { tests } = parse(readFileSync(`${FIXTURES}health_test.yaml`, 'utf8')) as { tests: HealthTest[] };

function load(path: string): Record<string, unknown> {
  return parse(readFileSync(`${FIXTURES}${path}`, 'utf8')) as Record<string, unknown>;
}

const hasLua = luaAvailable();
if (!hasLua) console.warn(`SKIP Argo CD health tests: ${LUA} not found (run hack/ensure-test-tools.sh)`);

describe.skipIf(!hasLua)('Argo CD health check (health.lua, real Lua)', () => {
  it.each(tests.map((t) => [t.inputPath, t] as const))('%s', (path, t) => {
    expect(runHealthScript(HEALTH_LUA, load(path))).toEqual(t.healthStatus);
  });

  it('covers every health status an operator user can meet for both kinds', () => {
    for (const kind of ['mcpgateway', 'virtualserver']) {
      const seen = new Set(tests.filter((t) => t.inputPath.includes(`/${kind}-`)).map((t) => t.healthStatus.status));
      expect([...seen].sort(), kind).toEqual(
        kind === 'mcpgateway' ? ['Degraded', 'Healthy', 'Progressing', 'Suspended'] : ['Degraded', 'Healthy', 'Progressing'],
      );
    }
  });

  it('treats a resource being deleted like any other (Argo CD itself reports Pending deletion)', () => {
    const obj = load('testdata/mcpgateway-ready.yaml');
    (obj.metadata as Record<string, unknown>).deletionTimestamp = '2026-11-25T17:30:00Z';
    expect(runHealthScript(HEALTH_LUA, obj).status).toBe('Healthy');
  });
});

describe('Argo CD health fixtures', () => {
  it.each(tests.map((t) => [t.inputPath] as const))('%s is a resource the operator can write', (path) => {
    const obj = load(path);
    const schema = obj.kind === 'McpGateway' ? McpGateway : VirtualServer;
    const parsed = schema.safeParse(obj);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });
});
