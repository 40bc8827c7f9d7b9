// Attacker test for issue 11 finding 6: OAuth mix-up between two authorization servers
// (RFC 9700 §4.4). Two real oidc-provider instances: the honest one behind gateway `mixup-honest`,
// and the attacker's behind gateway `mixup-attacker` (under the MCP spec the upstream chooses its
// authorization server, so anyone who runs an upstream can run one). Neither sends RFC 9207 `iss`,
// like many deployed servers.
//
// The attack: alice connects the attacker's gateway. The attacker's server answers the authorize
// request by redirecting alice to the HONEST server, with the proxy's honest client id, the honest
// gateway's registered callback, and the proxy's own `state` and PKCE challenge. alice, signed in
// there, approves. The honest code reaches the proxy with the attacker flow's `state`. On the old
// proxy (one callback for all gateways, `iss` optional) the code and the PKCE verifier were sent to
// the ATTACKER's token endpoint, who can redeem them at the honest server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeConsent, startOidcProvider, type RunningOidcProvider } from '../../support/oidc-provider.ts';
import { CLIENT_ID, CLIENT_SECRET, registration, startHarness, type Harness } from '../oauth/harness.ts';

describe('attacker: an authorization response from another server is never exchanged', () => {
  let h: Harness;
  let evil: RunningOidcProvider;
  let rfc9207: RunningOidcProvider;
  const honest = () => registration('mixup-honest', { url: h.upstream.resource, auth_type: 'oauth', oauth_config: { issuer: h.op.issuer, client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scopes: ['read'] } });
  const attacker = () => registration('mixup-attacker', { url: h.upstream.resource, auth_type: 'oauth', oauth_config: { issuer: evil.issuer, client_id: 'evil-client', scopes: ['read'] } });
  const strict = () => registration('mixup-iss', { url: h.upstream.resource, auth_type: 'oauth', oauth_config: { issuer: rfc9207.issuer, client_id: 'iss-client', scopes: ['read'] } });
  const publicClient = (client_id: string, callback: string) => ({ client_id, redirect_uris: [callback], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' });

  beforeAll(async () => {
    h = await startHarness({ provider: { issInResponses: false } });
    evil = await startOidcProvider({ resource: h.upstream.resource, issInResponses: false, clients: [publicClient('evil-client', `${h.primary.url}/oauth/callback/mcp/mixup-attacker`)] });
    rfc9207 = await startOidcProvider({ resource: h.upstream.resource, clients: [publicClient('iss-client', `${h.primary.url}/oauth/callback/mcp/mixup-iss`)] });
    for (const gw of [honest(), attacker(), strict()]) h.gateways.set(gw.id, gw);
  });
  afterAll(async () => {
    await evil?.stop();
    await rfc9207?.stop();
    await h?.stop();
  });

  const record = (gatewayId: string) => h.primary.vault.get({ namespace: 'mcp', gatewayId, user: 'alice' });

  it('the honest server’s code for the attacker’s flow: refused at the callback, nothing reaches the attacker’s token endpoint', async () => {
    // alice starts connecting the attacker's gateway; the proxy sends her to the attacker's server.
    const link = await h.primary.relay.consentUrl(attacker().id, 'alice');
    const atEvil = await completeConsent(link, 'alice', { signIn: h.primary.signInLink('alice'), stopAt: evil.issuer });
    // The attacker's server redirects her to the honest server, as the proxy's honest client.
    const forged = new URL(`${h.op.issuer}/auth`);
    for (const [k, v] of atEvil.url.searchParams) forged.searchParams.set(k, v);
    forged.searchParams.set('client_id', CLIENT_ID);
    forged.searchParams.set('redirect_uri', `${h.primary.url}/oauth/callback/mcp/mixup-honest`);
    const { response } = await completeConsent(forged.href, 'alice', { cookie: atEvil.cookie });

    expect(response!.status).toBe(400);
    expect(await response!.text()).toContain('ERR_OAUTH_CALLBACK_MISMATCH');
    expect(evil.events.tokenRequests).toBe(0);
    expect(await record(attacker().id)).toBeUndefined();
    expect(await record(honest().id)).toBeUndefined();
  });

  it('a server that advertises RFC 9207: a response without `iss` is refused before any exchange', async () => {
    const link = await h.primary.relay.consentUrl(strict().id, 'alice');
    const callback = `${h.primary.url}/oauth/callback/mcp/mixup-iss`;
    const { url, cookie } = await completeConsent(link, 'alice', { signIn: h.primary.signInLink('alice'), stopAt: callback });
    expect(url.searchParams.get('iss')).toBe(rfc9207.issuer);
    url.searchParams.delete('iss'); // stripped on the way (or sent by another server)
    const res = await fetch(url, { headers: { cookie } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('ERR_OAUTH_ISSUER_MISMATCH');
    expect(rfc9207.events.tokenRequests).toBe(0);
    expect(await record(strict().id)).toBeUndefined();
  });
});
