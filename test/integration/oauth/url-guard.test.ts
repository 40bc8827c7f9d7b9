import { describe, expect, it } from 'vitest';
import { checkOutboundUrl, isLoopbackHost, resourceMetadataUrl, type UrlPolicy } from '../../../src/proxy/oauth/index.ts';

const resolvingTo = (...addresses: string[]): UrlPolicy => ({ resolve: async () => addresses });

async function refusal(url: string, policy: UrlPolicy): Promise<string | undefined> {
  return checkOutboundUrl(url, policy, 'oauth_config.token_url').then(
    () => undefined,
    (e: { code: string; message: string }) => `${e.code}: ${e.message}`,
  );
}

describe('outbound URL guard', () => {
  it('refuses private, link-local (cloud metadata), CGNAT and cluster addresses unless allow_private_network', async () => {
    for (const address of ['10.96.0.1', '172.16.4.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', 'fd00::1', 'fe80::1', '::ffff:10.0.0.1', '::ffff:a00:1']) {
      expect(await refusal('https://idp.example.com/token', resolvingTo(address)), address).toMatch(/ERR_OAUTH_URL_REFUSED: oauth_config.token_url https:\/\/idp.example.com is refused: it resolves to a private/);
      expect(await refusal('https://idp.example.com/token', { ...resolvingTo(address), allowPrivateNetwork: true }), address).toBeUndefined();
    }
  });

  it('refuses a host when any of its addresses is private (no mixing public and private answers)', async () => {
    expect(await refusal('https://idp.example.com', resolvingTo('104.192.142.18', '10.0.0.5'))).toMatch(/private/);
  });

  it('loopback only when enabled; plain http only to loopback', async () => {
    expect(await refusal('http://127.0.0.1:8080/token', {})).toMatch(/loopback/);
    expect(await refusal('http://127.0.0.1:8080/token', { allowLoopback: true })).toBeUndefined();
    expect(await refusal('http://localhost:8080/token', { allowLoopback: true, resolve: async () => ['::1'] })).toBeUndefined();
    expect(await refusal('http://idp.example.com/token', resolvingTo('104.192.142.18'))).toMatch(/plain http is only allowed to loopback/);
    expect(await refusal('https://idp.example.com/token', resolvingTo('104.192.142.18'))).toBeUndefined();
  });

  it('allowlist: exact hosts and *.suffix patterns', async () => {
    const policy = { ...resolvingTo('104.192.142.18'), allowedHosts: ['auth.atlassian.com', '*.atlassian.net'] };
    expect(await refusal('https://auth.atlassian.com/oauth/token', policy)).toBeUndefined();
    expect(await refusal('https://acme.atlassian.net/x', policy)).toBeUndefined();
    expect(await refusal('https://atlassian.net.evil.example/x', policy)).toMatch(/not in the allowlist/);
    expect(await refusal('https://evilatlassian.net/x', policy)).toMatch(/not in the allowlist/);
  });

  it('names hosts that do not resolve', async () => {
    const policy: UrlPolicy = { resolve: async () => { throw Object.assign(new Error('x'), { code: 'ENOTFOUND' }); } };
    expect(await refusal('https://nowhere.invalid/', policy)).toMatch(/does not resolve \(ENOTFOUND\)/);
  });

  it('recognises loopback names and literals', () => {
    expect(['localhost', '127.0.0.1', '127.1.2.3', '[::1]', 'a.localhost'].every(isLoopbackHost)).toBe(true);
    expect(['example.com', '10.0.0.1', '::2'].some(isLoopbackHost)).toBe(false);
  });
});

describe('WWW-Authenticate resource_metadata (RFC 9728 §5.1)', () => {
  it('reads quoted and bare values among other parameters', () => {
    expect(resourceMetadataUrl('Bearer resource_metadata="https://mcp.atlassian.com/.well-known/oauth-protected-resource/v1/mcp/authv2", error="invalid_token"')).toBe(
      'https://mcp.atlassian.com/.well-known/oauth-protected-resource/v1/mcp/authv2',
    );
    expect(resourceMetadataUrl('Bearer realm="x", resource_metadata=https://a.example/m')).toBe('https://a.example/m');
    expect(resourceMetadataUrl('Bearer realm="x"')).toBeUndefined();
    expect(resourceMetadataUrl(null)).toBeUndefined();
  });
});
