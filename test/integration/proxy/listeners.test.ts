/**
 * Two listeners when asked (the in-cluster layout, so a NetworkPolicy can fence the admin port),
 * one when the ports are equal (the `dev` default, where the seed's curl commands work as written).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, agentToken, startTestProxy, type TestProxy } from './harness.ts';

let split: TestProxy;

beforeAll(async () => {
  split = await startTestProxy({ port: 0, adminPort: 0 });
});
afterAll(async () => {
  await split?.close();
});

describe('listeners', () => {
  it('keeps the admin API off the agent port and agent routes off the admin port', async () => {
    expect(split.url).not.toBe(split.adminUrl);
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    expect((await fetch(`${split.adminUrl}/v1/gateways`, { headers: admin })).status).toBe(200);
    expect((await fetch(`${split.url}/v1/gateways`, { headers: admin })).status).toBe(404);
    const invoke = await fetch(`${split.adminUrl}/tools/invoke`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: '{}' });
    expect(invoke.status).toBeGreaterThanOrEqual(400);
    expect(invoke.status).toBeLessThan(500);
    const agent = await fetch(`${split.url}/tools/invoke`, { method: 'POST', headers: { authorization: `Bearer ${await agentToken('alice')}`, 'content-type': 'application/json' }, body: JSON.stringify({ server_id: 'none', tool_name: 'x' }) });
    expect(agent.status).toBe(404);
    for (const base of [split.url, split.adminUrl]) {
      expect((await fetch(`${base}/health`)).status).toBe(200);
      expect((await fetch(`${base}/ready`)).status).toBe(200);
    }
  });

  it('serves both on one port when the ports are equal', async () => {
    const one = await startTestProxy({ port: 0 });
    try {
      expect(one.url).toBe(one.adminUrl);
      expect((await one.admin('/gateways')).status).toBe(200);
      expect((await one.admin('/v1/state')).body).toMatchObject({ ready: true, gateways: {}, servers: {} });
    } finally {
      await one.close();
    }
  });
});
