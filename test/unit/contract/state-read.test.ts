/**
 * `GET /state` as the operator reads it (docs/admin-api.md): an answer that breaks the contract is
 * refused naming the field, never half-used; a replica older than `unreachable` still parses.
 * Against a real HTTP listener (loopback) answering what a broken or older replica would.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminApiError, AdminClient } from '../../../src/contract/client.ts';

const base = { digest: 'd'.repeat(64), gateways: { ['a'.repeat(32)]: 'h' }, servers: {}, ready: true, startedAt: '2026-12-03T00:00:00.000Z' };
let answer: unknown = base;
let server: Server;
let admin: AdminClient;

beforeAll(async () => {
  server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  admin = new AdminClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 'test-admin-token' });
});
afterAll(async () => {
  await admin.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('AdminClient.getState', () => {
  it('reads an answer without `unreachable` (a replica older than the field) and one with it', async () => {
    answer = base;
    expect(await admin.getState()).toEqual(base);
    answer = { ...base, unreachable: ['a'.repeat(32)] };
    expect((await admin.getState()).unreachable).toEqual(['a'.repeat(32)]);
  });

  it('refuses an answer that breaks the contract, naming the field', async () => {
    answer = { ...base, unreachable: [42] };
    const err = await admin.getState().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdminApiError);
    expect(err).toMatchObject({ code: 'ERR_BAD_ANSWER', details: [{ path: 'unreachable.0' }] });
    expect((err as Error).message).toMatch(/^GET \/v1\/state: 200 the answer is not a StateRead \(docs\/admin-api\.md\): unreachable\.0: /);
    answer = { ...base, gateways: undefined };
    await expect(admin.getState()).rejects.toMatchObject({ code: 'ERR_BAD_ANSWER', details: [{ path: 'gateways' }] });
  });
});
