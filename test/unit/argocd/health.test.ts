/**
 * The Argo CD health check (manifests/argocd/health.lua) run by the real Lua interpreter, in Argo CD's
 * sandbox, against status fixtures shaped exactly like the status the operator writes (each fixture
 * must parse with the resource schemas of src/api/). Expected results: test/fixtures/argocd/health_test.yaml.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { McpGateway } from '../../../src/api/mcp-gateway.ts';
import { VirtualServer } from '../../../src/api/virtual-server.ts';
import { HEALTH_LUA } from './render-argocd-cm-patch.ts';
import { LUA, LUA51, luaAvailable, runHealthScript } from './lua-runner.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/argocd/', import.meta.url));

interface HealthTest {
  inputPath: string;
  /** `message` omitted: any non-empty message (recorded fixtures carry run-specific ports and ids). */
  healthStatus: { status: string; message?: string };
}

const { tests } = parse(readFileSync(`${FIXTURES}health_test.yaml`, 'utf8')) as { tests: HealthTest[] };

function load(path: string): Record<string, unknown> {
  return parse(readFileSync(`${FIXTURES}${path}`, 'utf8')) as Record<string, unknown>;
}

const hasLua = luaAvailable();
if (!hasLua) console.warn(`SKIP Argo CD health tests: ${LUA} not found (run hack/ensure-test-tools.sh)`);
const hasLua51 = luaAvailable(LUA51);
if (!hasLua51) console.warn(`SKIP the Lua 5.1 (gopher-lua dialect) run of the Argo CD health tests: ${LUA51} not found`);

describe.each([
  { lua: LUA, available: hasLua },
  { lua: LUA51, available: hasLua51 },
])('$lua runs health.lua on every fixture', ({ lua, available }) => {
  it.skipIf(!available).each(tests.map((t) => [t.inputPath, t] as const))('%s', (path, t) => {
    const got = runHealthScript(HEALTH_LUA, load(path), lua);
    expect(got).toEqual({ status: t.healthStatus.status, message: t.healthStatus.message ?? expect.stringMatching(/\S/) });
  });
});

describe.skipIf(!hasLua)('Argo CD health check (health.lua, real Lua)', () => {
  it('covers Healthy, Progressing and Degraded for both kinds with objects the operator really wrote', () => {
    for (const kind of ['mcpgateway', 'virtualserver']) {
      const seen = new Set(tests.filter((t) => t.inputPath.startsWith(`testdata/recorded/${kind}-`)).map((t) => t.healthStatus.status));
      expect([...seen].sort(), kind).toEqual(['Degraded', 'Healthy', 'Progressing']);
    }
  });

  it('has an expectation for every recorded fixture', () => {
    const listed = new Set(tests.map((t) => t.inputPath));
    const recorded = readdirSync(`${FIXTURES}testdata/recorded`).filter((f) => f.endsWith('.yaml')).map((f) => `testdata/recorded/${f}`);
    expect(recorded.filter((f) => !listed.has(f))).toEqual([]);
  });

  it('treats a resource being deleted like any other (Argo CD itself reports Pending deletion)', () => {
    const obj = load('testdata/recorded/mcpgateway-ready.yaml');
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
