import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validatePaths } from '../../../src/api/validate.ts';

const dirs: string[] = [];
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-gitops-validate-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const gw = (name: string, extra = '') =>
  `apiVersion: mcp-gitops.dev/v1alpha1\nkind: McpGateway\nmetadata: { name: ${name}, namespace: mcp }\nspec:\n  url: https://mcp.example.com/mcp\n${extra}`;
const vs = (gateway: string) =>
  `apiVersion: mcp-gitops.dev/v1alpha1\nkind: VirtualServer\nmetadata: { name: vs, namespace: mcp }\nspec:\n  tools:\n    - gateway: ${gateway}\n`;

describe('validatePaths', () => {
  it('accepts a GitOps directory of good manifests, recursing and skipping other kinds', async () => {
    const dir = tree({
      'gateways/rovo.yaml': gw('rovo'),
      'servers/vs.yml': vs('rovo'),
      'apps/deploy.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: x }\n',
      'README.md': '# not yaml',
    });
    const result = await validatePaths([dir]);
    expect(result).toEqual({ ok: true, lines: ['ok: 3 files, 1 McpGateway, 1 VirtualServer, 1 other document skipped; 0 problems'] });
  });

  it('fails with one line per problem naming file, line, field and problem', async () => {
    const dir = tree({ 'bad.yaml': gw('rovo', '  auth: { type: OAuth, oauth: { discovery: Issuer, clientId: x } }\n') });
    const result = await validatePaths([dir]);
    expect(result.ok).toBe(false);
    expect(result.lines[0]).toBe(`${join(dir, 'bad.yaml')}:6:31 (document 1, McpGateway mcp/rovo): spec.auth.oauth.issuer: issuer is required for Issuer discovery`);
    expect(result.lines.at(-1)).toBe('invalid: 1 file, 0 McpGateway, 0 VirtualServer; 1 problem');
  });

  it('reports the same object defined twice across files', async () => {
    const dir = tree({ 'a.yaml': gw('rovo'), 'b.yaml': gw('rovo') });
    const result = await validatePaths([dir]);
    expect(result.ok).toBe(false);
    expect(result.lines[0]).toMatch(/b\.yaml:1:1 \(document 1, McpGateway mcp\/rovo\): metadata\.name: McpGateway mcp\/rovo is already defined at .*a\.yaml:1:1/);
  });

  it('warns, without failing, when a VirtualServer names a gateway that is in none of the files', async () => {
    const result = await validatePaths([tree({ 'vs.yaml': vs('elsewhere') })]);
    expect(result.ok).toBe(true);
    expect(result.lines[0]).toMatch(/spec\.tools\[0\]\.gateway: warning: McpGateway mcp\/elsewhere is not defined/);
  });

  it('fails on a path that does not exist and on a directory without YAML', async () => {
    const empty = tree({ 'notes.txt': 'x' });
    const result = await validatePaths([join(empty, 'missing.yaml'), empty]);
    expect(result.ok).toBe(false);
    expect(result.lines).toEqual([
      `${join(empty, 'missing.yaml')}: cannot read (ENOENT)`,
      `${empty}: no *.yaml or *.yml files found`,
      'invalid: 0 files, 0 McpGateway, 0 VirtualServer; 2 problems',
    ]);
  });

  it('accepts the repository examples', async () => {
    const result = await validatePaths(['examples']);
    expect(result.lines.filter((l) => !l.includes('warning'))).toEqual([expect.stringMatching(/^ok: /)]);
  });
});
