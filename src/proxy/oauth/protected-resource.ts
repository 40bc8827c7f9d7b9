/**
 * RFC 9728 protected-resource metadata discovery for upstream MCP servers (the MCP authorization
 * spec, 2025-06-18 and 2025-11-25): the upstream's 401 `WWW-Authenticate: Bearer
 * resource_metadata="…"`, else the well-known URLs `/.well-known/oauth-protected-resource/<path>`
 * then `/.well-known/oauth-protected-resource`.
 */
import { z } from 'zod';
import { ProxyError } from '../errors.ts';

export const ProtectedResourceMetadata = z.object({
  resource: z.string().url(),
  authorization_servers: z.array(z.string().url()).min(1, 'lists no authorization server'),
  scopes_supported: z.array(z.string()).optional(),
});
export type ProtectedResourceMetadata = z.infer<typeof ProtectedResourceMetadata>;

/** The `resource_metadata` parameter of a `WWW-Authenticate: Bearer …` challenge, if any. */
export function resourceMetadataUrl(wwwAuthenticate: string | null): string | undefined {
  if (!wwwAuthenticate) return undefined;
  return /(?:^|[\s,])resource_metadata\s*=\s*"([^"]+)"/i.exec(wwwAuthenticate)?.[1] ?? /(?:^|[\s,])resource_metadata\s*=\s*([^\s,]+)/i.exec(wwwAuthenticate)?.[1];
}

/** The well-known PRM URLs for `resource`, in the order the spec says to try them. */
export function wellKnownMetadataUrls(resource: URL): string[] {
  const path = resource.pathname.replace(/\/$/, '');
  const urls = path && path !== '/' ? [`${resource.origin}/.well-known/oauth-protected-resource${path}`] : [];
  urls.push(`${resource.origin}/.well-known/oauth-protected-resource`);
  return urls;
}

/**
 * Finds and validates the upstream's metadata. `fetchFn` must apply the outbound URL policy.
 * Throws `ERR_OAUTH_DISCOVERY_FAILED` naming the URLs tried.
 */
export async function discoverProtectedResource(upstreamUrl: string, fetchFn: typeof fetch, signal?: AbortSignal): Promise<ProtectedResourceMetadata> {
  const upstream = new URL(upstreamUrl);
  const candidates: string[] = [];
  try {
    // An unauthenticated initialize: a protected MCP server answers 401 with the challenge.
    const probe = await fetchFn(upstream, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'mcp-gitops', version: '0' } } }),
      redirect: 'manual',
      signal,
    });
    await probe.body?.cancel();
    const fromChallenge = probe.status === 401 ? resourceMetadataUrl(probe.headers.get('www-authenticate')) : undefined;
    if (fromChallenge !== undefined) candidates.push(new URL(fromChallenge, upstream).href);
  } catch (error) {
    if (error instanceof ProxyError) throw error;
    // Unreachable upstream: still try the well-known URLs (they may live elsewhere behind the same host).
  }
  candidates.push(...wellKnownMetadataUrls(upstream).filter((u) => !candidates.includes(u)));

  const problems: string[] = [];
  for (const url of candidates) {
    let response: Response;
    try {
      response = await fetchFn(url, { headers: { accept: 'application/json' }, redirect: 'manual', signal });
    } catch (error) {
      if (error instanceof ProxyError) throw error;
      problems.push(`${url}: unreachable`);
      continue;
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      problems.push(`${url}: HTTP ${response.status}`);
      continue;
    }
    // A body that is not JSON fails the schema check below like any other invalid metadata.
    const parsed = ProtectedResourceMetadata.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) {
      problems.push(`${url}: ${parsed.error.issues[0]?.path.join('.') || 'body'} ${parsed.error.issues[0]?.message}`);
      continue;
    }
    if (new URL(parsed.data.resource).origin !== upstream.origin) {
      problems.push(`${url}: "resource" ${parsed.data.resource} is not on the upstream's origin ${upstream.origin}`);
      continue;
    }
    return parsed.data;
  }
  throw new ProxyError('ERR_OAUTH_DISCOVERY_FAILED', `no usable protected-resource metadata for ${upstream.href} (${problems.join('; ')})`);
}
