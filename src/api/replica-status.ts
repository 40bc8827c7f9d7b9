/**
 * Per-member sync state, shared by the status of both kinds: the operator converges every member of
 * its target — each replica of the proxy Service, or the one ContextForge instance — and reports
 * each, so a lagging replica is visible by name.
 */
import { z } from 'zod';
import { mapListOf } from './fields.ts';

/** Per-member sync state (a proxy replica, or the ContextForge instance), shared by both kinds' status. */
export const ReplicaStatus = z
  .object({
    endpoint: z.string().min(1).max(2048).describe('The proxy replica (or, with the ContextForge target, the ContextForge instance), as the operator reaches it (URL).'),
    synced: z.boolean().describe('Whether this replica holds the current spec.'),
    ready: z
      .boolean()
      .optional()
      .describe("Whether the replica is in the proxy Service's rotation (EndpointSlice condition ready; always true for ContextForge). A replica that is starting or not ready does not hold the resource's Ready condition back."),
    message: z.string().max(4096).optional().describe('Why the replica is not in sync; never contains secrets.'),
  })
  .describe('Sync state of one proxy replica, or of the ContextForge instance.');
export type ReplicaStatus = z.infer<typeof ReplicaStatus>;

/** The `status.replicas` list, keyed by `endpoint`. */
export const ReplicaStatuses = mapListOf(ReplicaStatus, 'endpoint', 256, 'Sync state per proxy replica (or of the ContextForge instance).');
