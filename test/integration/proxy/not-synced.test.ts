/**
 * A replica started with `requireSync` (as the operator runs them) answers an agent's request for
 * a server it does not hold with 503 + Retry-After until its first full sync, never 404: a
 * restarted replica may be about to receive that server (issue 12, "a rollout is not an outage").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateDigest } from '../../../src/contract/digest.ts';
import { agentToken, startTestProxy, type TestProxy } from './harness.ts';

describe('a replica before its first sync', () => {
  let proxy: TestProxy;
  beforeAll(async () => {
    proxy = await startTestProxy({ requireSync: true });
  });
  afterAll(async () => {
    await proxy?.close();
  });

  const initialize = async () =>
    fetch(`${proxy.url}/servers/not-yet-here/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await agentToken('alice')}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
    });

  it('answers 503 with Retry-After for an unknown server, then 404 once synced', async () => {
    const before = await initialize();
    expect(before.status).toBe(503);
    expect(before.headers.get('retry-after')).toBe('1');
    expect(((await before.json()) as { error: { data: { code: string } } }).error.data.code).toBe('ERR_NOT_SYNCED');

    const synced = await proxy.admin('/v1/state/synced', { method: 'POST', body: { digest: stateDigest([]) } });
    expect(synced.status).toBe(200);
    const after = await initialize();
    expect(after.status).toBe(404);
  });
});
