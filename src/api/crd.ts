/**
 * Builds the CustomResourceDefinitions of both kinds from their zod schemas: structural OpenAPI v3
 * with descriptions (for `kubectl explain`), CEL rules, defaults, the status subresource, printer
 * columns, short names and the `mcp` category. `generate-crds.ts` writes them to `crds/`; a test
 * fails when the checked-in files differ.
 */
import { z } from 'zod';
import { stringify } from 'yaml';
import { McpGatewaySpec, McpGatewayStatus } from './mcp-gateway.ts';
import { VirtualServerSpec, VirtualServerStatus } from './virtual-server.ts';
import { CATEGORY, GROUP, MCP_GATEWAY, VERSION, VIRTUAL_SERVER, type KindNames } from './names.ts';
import { structuralize, type SchemaNode } from './structural.ts';

/** One `additionalPrinterColumns` entry. */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

/** What differs between the two CRDs. */
export interface CrdSource {
  readonly names: KindNames;
  readonly description: string;
  readonly spec: z.ZodType;
  readonly status: z.ZodType;
  readonly columns: readonly PrinterColumn[];
}

const READY: PrinterColumn = {
  name: 'Ready',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
  description: 'Status of the Ready condition.',
};
const STATUS: PrinterColumn = {
  name: 'Status',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].message',
  description: 'Message of the Ready condition.',
  priority: 1,
};
const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

/** The McpGateway CRD's inputs. */
export const MCP_GATEWAY_CRD: CrdSource = {
  names: MCP_GATEWAY,
  description:
    'McpGateway is one upstream MCP server (for example Atlassian Rovo) that the mcp-gitops proxy ' +
    'connects to, with how to authenticate to it. VirtualServers select its tools, resources and prompts.',
  spec: McpGatewaySpec,
  status: McpGatewayStatus,
  columns: [
    READY,
    { name: 'Tools', type: 'integer', jsonPath: '.status.toolCount', description: 'Number of tools the upstream offers.' },
    { name: 'Resources', type: 'integer', jsonPath: '.status.resourceCount', description: 'Number of resources the upstream lists.', priority: 1 },
    { name: 'Prompts', type: 'integer', jsonPath: '.status.promptCount', description: 'Number of prompts the upstream offers.', priority: 1 },
    { name: 'URL', type: 'string', jsonPath: '.spec.url', description: 'URL of the upstream MCP endpoint.' },
    STATUS,
    AGE,
  ],
};

/** The VirtualServer CRD's inputs. */
export const VIRTUAL_SERVER_CRD: CrdSource = {
  names: VIRTUAL_SERVER,
  description:
    'VirtualServer is a curated set of tools, resources and prompts from one or more McpGateways, ' +
    'served to agents as one MCP endpoint (status.endpoint).',
  spec: VirtualServerSpec,
  status: VirtualServerStatus,
  columns: [
    READY,
    { name: 'Tools', type: 'integer', jsonPath: '.status.toolCount', description: 'Number of tools served.' },
    { name: 'Resources', type: 'integer', jsonPath: '.status.resourceCount', description: 'Number of resources served.', priority: 1 },
    { name: 'Prompts', type: 'integer', jsonPath: '.status.promptCount', description: 'Number of prompts served.', priority: 1 },
    { name: 'Endpoint', type: 'string', jsonPath: '.status.endpoint', description: 'The MCP endpoint agents connect to.' },
    STATUS,
    AGE,
  ],
};

/** The OpenAPI v3 schema zod emits for `schema`, before structuralizing. */
export function jsonSchemaOf(schema: z.ZodType): SchemaNode {
  return z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    reused: 'inline',
    unrepresentable: 'throw',
  }) as SchemaNode;
}

/**
 * The `openAPIV3Schema` of a CRD: apiVersion, kind, metadata, spec (required) and status.
 * `metadata` is only `type: object`: kube-apiserver supplies it and forbids anything more.
 */
export function openApiSchemaOf(source: CrdSource): SchemaNode {
  const schema = structuralize({
    description: source.description,
    type: 'object',
    required: ['spec'],
    properties: {
      apiVersion: {
        description: 'APIVersion defines the versioned schema of this representation of an object.',
        type: 'string',
      },
      kind: { description: 'Kind is a string value representing the REST resource this object represents.', type: 'string' },
      spec: jsonSchemaOf(source.spec),
      status: jsonSchemaOf(source.status),
    },
  });
  const { apiVersion, kind, ...rest } = schema.properties as Record<string, SchemaNode>;
  return { ...schema, properties: { apiVersion, kind, metadata: { type: 'object' }, ...rest } };
}

/** The CustomResourceDefinition object of one kind. */
export function crdOf(source: CrdSource): Record<string, unknown> {
  const { names } = source;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${names.plural}.${GROUP}`,
      labels: { 'app.kubernetes.io/part-of': 'mcp-gitops' },
      // CRDs land in an earlier Argo CD sync wave than the resources that use them.
      annotations: { 'argocd.argoproj.io/sync-wave': '-1' },
    },
    spec: {
      group: GROUP,
      names: {
        kind: names.kind,
        listKind: names.listKind,
        plural: names.plural,
        singular: names.singular,
        shortNames: [...names.shortNames],
        categories: [CATEGORY],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: source.columns.map((c) => ({ ...c })),
          schema: { openAPIV3Schema: openApiSchemaOf(source) },
        },
      ],
    },
  };
}

const HEADER = '# Generated from the zod schemas in src/api by `npm run generate:crds`. Do not edit.\n';

/** The CRD as YAML text, exactly as checked in under `crds/`. */
export function renderCrd(source: CrdSource): string {
  return HEADER + stringify(crdOf(source), { lineWidth: 0, aliasDuplicateObjects: false });
}

/** File name of a CRD under `crds/`: `<plural>.<group>.yaml`. */
export function crdFileName(source: CrdSource): string {
  return `${source.names.plural}.${GROUP}.yaml`;
}

/** Both CRDs, in a fixed order. */
export const CRDS: readonly CrdSource[] = [MCP_GATEWAY_CRD, VIRTUAL_SERVER_CRD];
