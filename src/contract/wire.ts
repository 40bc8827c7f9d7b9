/**
 * The wire contract of the proxy admin API (docs/admin-api.md), in three parts: `requests.ts` (zod
 * schemas of the bodies the proxy parses), `responses.ts` (what it answers), `bodies.ts` (the
 * bodies the typed client sends). The operator, `dev` and the proxy import them from here; nothing
 * else defines them.
 */
export * from './requests.ts';
export * from './responses.ts';
export * from './bodies.ts';
