import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CRDS, crdFileName, crdOf, renderCrd } from '../../../src/api/crd.ts';
import { CRD_DIR } from '../../../src/api/generate-crds.ts';
import { structuralize, StructuralSchemaError, type SchemaNode } from '../../../src/api/structural.ts';

type Visit = (node: SchemaNode, path: string, isProperty: boolean) => void;

function walk(node: SchemaNode, path: string, visit: Visit, isProperty = false): void {
  visit(node, path, isProperty);
  const props = node.properties as Record<string, SchemaNode> | undefined;
  for (const [k, v] of Object.entries(props ?? {})) walk(v, path ? `${path}.${k}` : k, visit, true);
  if (node.items) walk(node.items as SchemaNode, `${path}[*]`, visit);
  if (typeof node.additionalProperties === 'object') walk(node.additionalProperties as SchemaNode, `${path}{*}`, visit);
}

function openApi(source: (typeof CRDS)[number]): SchemaNode {
  const crd = crdOf(source) as { spec: { versions: { schema: { openAPIV3Schema: SchemaNode } }[] } };
  return crd.spec.versions[0]!.schema.openAPIV3Schema;
}

describe('generated CRDs', () => {
  it.each(CRDS.map((s) => [s.names.kind, s] as const))('crds/ holds exactly what the %s schema generates', (_, source) => {
    const file = join(CRD_DIR, crdFileName(source));
    const checkedIn = readFileSync(file, 'utf8');
    // On failure: the zod schemas in src/api changed; run `npm run generate:crds` and commit crds/.
    expect(checkedIn, `${file} is out of date: run \`npm run generate:crds\` and commit crds/`).toBe(renderCrd(source));
  });

  it.each(CRDS.map((s) => [s.names.kind, s] as const))('%s schema is structural: typed nodes, no forbidden keywords, every field described', (_, source) => {
    walk(openApi(source), '', (node, path, isProperty) => {
      expect(typeof node.type, path).toBe('string');
      for (const k of ['oneOf', 'anyOf', 'allOf', 'not', '$ref', '$schema', 'const', 'uniqueItems', 'propertyNames']) expect(node, path).not.toHaveProperty(k);
      expect(node.additionalProperties, path).not.toBe(false);
      if (isProperty && path !== 'metadata') expect(node.description, `${path} needs a description for kubectl explain`).toBeTruthy();
    });
  });

  it('leaves metadata to the API server (type object, nothing else)', () => {
    for (const source of CRDS) expect((openApi(source).properties as Record<string, SchemaNode>).metadata).toEqual({ type: 'object' });
  });

  it('declares names, category, status subresource, printer columns and the Argo CD sync wave', () => {
    const [gw, vs] = CRDS.map((s) => parse(renderCrd(s)));
    expect(gw.metadata).toMatchObject({ name: 'mcpgateways.mcp-gitops.dev', annotations: { 'argocd.argoproj.io/sync-wave': '-1' } });
    expect(gw.spec.names).toMatchObject({ kind: 'McpGateway', plural: 'mcpgateways', shortNames: ['mcpgw'], categories: ['mcp'] });
    expect(vs.spec.names).toMatchObject({ kind: 'VirtualServer', plural: 'virtualservers', shortNames: ['mcpvs'], categories: ['mcp'] });
    for (const crd of [gw, vs]) {
      expect(crd.spec.scope).toBe('Namespaced');
      expect(crd.spec.versions[0].subresources).toEqual({ status: {} });
    }
    const columns = (crd: { spec: { versions: { additionalPrinterColumns: { name: string }[] }[] } }) =>
      crd.spec.versions[0]!.additionalPrinterColumns.map((c) => c.name);
    expect(columns(gw)).toEqual(['Ready', 'Tools', 'Resources', 'Prompts', 'URL', 'Status', 'Age']);
    expect(columns(vs)).toEqual(['Ready', 'Tools', 'Resources', 'Prompts', 'Endpoint', 'Status', 'Age']);
  });

  it('carries defaults in the schema (the operator never writes spec)', () => {
    const spec = (openApi(CRDS[0]!).properties as Record<string, SchemaNode>).spec!;
    const props = spec.properties as Record<string, SchemaNode>;
    expect(props.transport?.default).toBe('StreamableHTTP');
    expect(props.healthCheck?.default).toEqual({});
    expect((props.healthCheck?.properties as Record<string, SchemaNode>).intervalSeconds?.default).toBe(30);
    expect((props.toolRefresh?.properties as Record<string, SchemaNode>).intervalSeconds?.default).toBe(300);
    expect(props.allowPrivateNetwork?.default).toBe(false);
  });

  it('keys conditions by type and replicas by endpoint for server-side apply', () => {
    const status = (openApi(CRDS[1]!).properties as Record<string, SchemaNode>).status!;
    const props = status.properties as Record<string, SchemaNode>;
    expect(props.conditions).toMatchObject({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] });
    expect(props.replicas).toMatchObject({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['endpoint'] });
  });

  it('puts every cross-field rule into the CRD as CEL', () => {
    const rules: string[] = [];
    for (const source of CRDS) {
      walk(openApi(source), '', (node) => {
        for (const v of (node['x-kubernetes-validations'] as { rule: string }[] | undefined) ?? []) rules.push(v.rule);
      });
    }
    expect(rules.join('\n')).toContain("self.type != 'Bearer' || has(self.bearer)");
    expect(rules.join('\n')).toContain("self.grantType != 'ClientCredentials' || has(self.clientSecretRef)");
    expect(rules.join('\n')).toContain("self.discovery != 'Issuer' || has(self.issuer)");
    expect(rules.length).toBeGreaterThanOrEqual(14);
  });
});

describe('structuralize', () => {
  it('refuses a union instead of emitting a CRD the API server would reject', () => {
    const union = z.toJSONSchema(z.object({ a: z.union([z.object({ x: z.string() }), z.object({ y: z.int() })]).describe('a') }), { target: 'openapi-3.0', io: 'input' });
    expect(() => structuralize(union as SchemaNode)).toThrow(StructuralSchemaError);
    expect(() => structuralize(union as SchemaNode)).toThrow(/^a: "anyOf" is not allowed/);
  });

  it('refuses a field without a description', () => {
    expect(() => structuralize({ type: 'object', properties: { x: { type: 'string' } } })).toThrow(/x: every field needs a description/);
  });

  it('drops zod-only noise: additionalProperties false, safe-integer bounds, date-time pattern', () => {
    const out = structuralize({
      type: 'object',
      additionalProperties: false,
      properties: {
        n: { description: 'n', type: 'integer', minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER },
        t: { description: 't', type: 'string', format: 'date-time', pattern: '^\\d+' },
      },
    });
    expect(out).toEqual({ type: 'object', properties: { n: { description: 'n', type: 'integer' }, t: { description: 't', type: 'string', format: 'date-time' } } });
  });
});
