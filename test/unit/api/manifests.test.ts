import { describe, expect, it } from 'vitest';
import { loadManifestText } from '../../../src/api/manifests.ts';
import { formatProblem } from '../../../src/api/problems.ts';

const GATEWAY = `apiVersion: mcp-gitops.dev/v1alpha1
kind: McpGateway
metadata:
  name: rovo
  namespace: mcp
spec:
  url: https://mcp.atlassian.com/v1/mcp
`;

describe('loadManifestText', () => {
  it('returns typed, defaulted resources with file, index, kind, name and namespace', () => {
    const loaded = loadManifestText(`${GATEWAY}---\napiVersion: mcp-gitops.dev/v1alpha1\nkind: VirtualServer\nmetadata: { name: vs }\nspec:\n  tools: [{ gateway: rovo }]\n`, 'a.yaml');
    expect(loaded.problems).toEqual([]);
    expect(loaded.resources.map(({ file, index, kind, name, namespace }) => ({ file, index, kind, name, namespace }))).toEqual([
      { file: 'a.yaml', index: 0, kind: 'McpGateway', name: 'rovo', namespace: 'mcp' },
      { file: 'a.yaml', index: 1, kind: 'VirtualServer', name: 'vs', namespace: 'default' },
    ]);
    expect(loaded.resources[0]?.resource).toMatchObject({ spec: { transport: 'StreamableHTTP', healthCheck: { intervalSeconds: 30 } } });
  });

  it('names the file, line, column, document, field and problem', () => {
    const text = `${GATEWAY}  transport: Carrier-Pigeon\n`;
    const { problems } = loadManifestText(text, 'gw.yaml');
    expect(problems.map(formatProblem)).toEqual([
      expect.stringMatching(/^gw\.yaml:8:14 \(document 1, McpGateway mcp\/rovo\): spec\.transport: Invalid option: expected one of "StreamableHTTP"\|"SSE"$/),
    ]);
  });

  it('points a missing field at the mapping it belongs in', () => {
    const text = GATEWAY.replace('  url: https://mcp.atlassian.com/v1/mcp\n', '  auth:\n    type: Bearer\n');
    const { problems } = loadManifestText(text, 'gw.yaml');
    expect(problems).toEqual([
      { path: 'spec.url', where: 'gw.yaml:7:3 (document 1, McpGateway mcp/rovo)', message: 'is required (string)' },
      { path: 'spec.auth.bearer', where: 'gw.yaml:8:5 (document 1, McpGateway mcp/rovo)', message: 'bearer is required when type is Bearer' },
    ]);
  });

  it('reports YAML syntax errors with line and column and keeps the good documents of the file', () => {
    const { resources, problems } = loadManifestText(`${GATEWAY}---\nkind: [unclosed\n`, 'gw.yaml');
    expect(resources.map((r) => r.name)).toEqual(['rovo']);
    expect(problems).toHaveLength(1);
    expect(formatProblem(problems[0]!)).toMatch(/^gw\.yaml:\d+:\d+ \(document 2\): YAML syntax error: /);
  });

  it('rejects duplicate keys (the second would silently win)', () => {
    const { problems } = loadManifestText(`${GATEWAY}  url: https://other.example.com/mcp\n`, 'gw.yaml');
    expect(problems[0]?.message).toMatch(/YAML syntax error: .*unique/i);
  });

  it('skips documents of other groups, including NGINX’s VirtualServer, and counts them', () => {
    const text = `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d }\n---\napiVersion: k8s.nginx.org/v1\nkind: VirtualServer\nmetadata: { name: cafe }\nspec: { host: cafe.example.com }\n---\n# only a comment\n`;
    const loaded = loadManifestText(text, 'mixed.yaml');
    expect(loaded.problems).toEqual([]);
    expect(loaded.skipped.map((s) => s.kind)).toEqual(['Deployment', 'VirtualServer']);
  });

  it('treats a misspelt group of our kinds and unknown kinds of our group as problems, not skips', () => {
    const typo = loadManifestText(GATEWAY.replace('mcp-gitops.dev', 'mcp-gitops.io'), 'a.yaml');
    expect(typo.problems).toMatchObject([{ path: 'apiVersion', message: 'must be mcp-gitops.dev/v1alpha1' }]);
    const unknown = loadManifestText(GATEWAY.replace('McpGateway', 'McpServer'), 'a.yaml');
    expect(unknown.problems).toMatchObject([{ path: 'kind', message: expect.stringContaining('unknown kind') }]);
  });

  it('reads Secrets for the dev source: stringData over decoded data', () => {
    const text = `apiVersion: v1\nkind: Secret\nmetadata: { name: creds, namespace: mcp }\ndata:\n  token: ${Buffer.from('from-data').toString('base64')}\n  other: ${Buffer.from('kept').toString('base64')}\nstringData:\n  token: from-stringData\n`;
    expect(loadManifestText(text, 's.yaml').secrets).toEqual([{ name: 'creds', namespace: 'mcp', data: { token: 'from-stringData', other: 'kept' } }]);
  });

  it('never puts a Secret value into a problem', () => {
    const secret = 'hunter2-DO-NOT-LEAK';
    const text = `apiVersion: v1\nkind: Secret\nmetadata: { name: creds }\ndata:\n  token: "${secret}!"\nstringData:\n  n: 12345\n  bad key: ${secret}\n`;
    const { problems, secrets } = loadManifestText(text, 's.yaml');
    expect(secrets).toEqual([]);
    expect(problems.map((p) => p.path)).toEqual(['data.token', 'stringData.n', 'stringData["bad key"]']);
    const printed = problems.map(formatProblem).join('\n');
    expect(printed).not.toContain(secret);
    expect(printed).not.toContain('12345');
  });

  it('a document that is not a mapping, or lacks kind, is a problem', () => {
    expect(loadManifestText('- a\n- b\n', 'l.yaml').problems).toMatchObject([{ message: 'must be a mapping with apiVersion and kind' }]);
    expect(loadManifestText('apiVersion: v1\nmetadata: {}\n', 'l.yaml').problems).toMatchObject([{ path: 'kind' }]);
  });
});
