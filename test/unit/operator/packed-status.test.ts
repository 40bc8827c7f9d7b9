import { describe, expect, it } from 'vitest';
import { packStatus, unpackStatus } from '../../../src/operator/packed-status.ts';

const error = 'http://10.244.1.17:4445: the replica does not answer (circuit open; last error: GET /v1/state: no answer within 3000 ms "quoted" \\ back\u00e9)';
const cond = (type: string, status: string, reason: string, message: string) => ({ lastTransitionTime: '2026-12-03T22:41:07Z', message, observedGeneration: 4, reason, status, type });

describe('packed status (what the cache keeps)', () => {
  it('gives a failing replica\'s status back exactly, and keeps its repeated error once', () => {
    const status = {
      conditions: [
        cond('Ready', 'False', 'ReplicasNotSynced', `0/1 ready proxy replicas in sync; ${error}`),
        cond('Reconciling', 'True', 'ReplicasNotSynced', `0/1 ready proxy replicas in sync; ${error}`),
        cond('Reachable', 'True', 'Succeeded', 'the upstream answers'),
        cond('ReplicasSynced', 'False', 'ReplicasNotSynced', `not yet on ${error}`),
        cond('ToolsDiscovered', 'True', 'Succeeded', 'the upstream answers'),
      ],
      observedGeneration: 4,
      replicas: [{ endpoint: 'http://10.244.1.17:4445', message: `not yet on ${error}`, ready: true, synced: false }],
      toolCount: 8,
    };
    const packed = packStatus(status);
    expect(unpackStatus(packed)).toEqual(status);
    // Each distinct message once: the repeats cost a few characters each.
    expect(packed.length).toBeLessThan(JSON.stringify(status).length - 2 * error.length);
  });

  it('round-trips statuses without repeats, empty ones and odd text unchanged', () => {
    for (const status of [{}, { observedGeneration: 1 }, { conditions: [cond('Ready', 'True', 'Succeeded', '')] }, { conditions: [cond('Ready', 'False', 'InvalidSpec', 'spec.url: "\u0001\u0000" is not a URL; message":"x')] }, { unmatched: ['a "message":"b"', 'a "message":"b"'] }]) {
      expect(unpackStatus(packStatus(status))).toEqual(status);
    }
  });
});
