// Every status field the CRDs declare is one the operator writes (issue 9 #6): a field in the API that
// nothing fills is a promise the docs make and the code breaks (`lastCheckTime` and
// `replicas[].lastSyncTime` were). The status policy is src/reconcile/status.ts; a field it does not
// name fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { McpGatewayStatus } from '../../../src/api/mcp-gateway.ts';
import { ReplicaStatus } from '../../../src/api/replica-status.ts';
import { VirtualServerStatus } from '../../../src/api/virtual-server.ts';

const RECONCILE = join(import.meta.dirname, '../../../src/reconcile');
const policy = readdirSync(RECONCILE)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => readFileSync(join(RECONCILE, f), 'utf8'))
  .join('\n');

describe('status fields', () => {
  for (const [kind, schema] of [['McpGateway', McpGatewayStatus], ['VirtualServer', VirtualServerStatus], ['status.replicas[]', ReplicaStatus]] as const) {
    it(`of ${kind} are all written by the status policy (src/reconcile/)`, () => {
      const unwritten = Object.keys(schema.shape).filter((field) => !new RegExp(`\\b${field}\\b\\s*(?:[:,}]|=(?!=))`).test(policy));
      expect(unwritten).toEqual([]);
    });
  }
});
