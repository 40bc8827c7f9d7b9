// A real OAuth 2.0 / OpenID provider for tests: panva's `oidc-provider`, in-process on loopback
// (port 0), with refresh-token rotation ON (a consumed refresh token presented again revokes the
// whole grant, like Atlassian), PKCE required, resource indicators issuing JWT access tokens whose
// `aud` is the resource, dynamic client registration and client credentials enabled. Login and
// consent are driven without a browser through the dev interactions (`completeConsent`).
//
//   const op = await startOidcProvider({ clients: [{ client_id: 'relay', client_secret: 's', redirect_uris: [cb] }], resource });
//   const res = await completeConsent(consentLink, 'alice');   // follows relay → provider → relay
//   await op.stop();
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type ClientMetadata, type ProviderClient } from 'oidc-provider';

export interface OidcProviderOptions {
  clients?: ClientMetadata[];
  /** The resource (RFC 8707) access tokens are issued for by default; also accepted when requested. */
  resource: string;
  /** Scopes of the resource. Defaults to "read write". */
  resourceScopes?: string;
  /** Access token lifetime in seconds. Defaults to 3600. */
  accessTokenTtl?: number;
  /** Enable RFC 7591 registration without an initial access token. Defaults to true. */
  registration?: boolean;
  /**
   * RFC 9207: send `iss` on authorization responses and advertise it in the metadata. Defaults to
   * true; false plays an authorization server that predates RFC 9207 (many do).
   */
  issInResponses?: boolean;
}

export interface ProviderEvents {
  /** Every request to the token endpoint, answered or refused. */
  tokenRequests: number;
  /** Successful token requests by grant type. */
  grants: Record<string, number>;
  /** Token request errors by OAuth error code (e.g. invalid_grant). */
  errors: Record<string, number>;
}

export interface RunningOidcProvider {
  issuer: string;
  jwksUri: string;
  provider: Provider;
  events: ProviderEvents;
  stop(): Promise<void>;
}

export async function startOidcProvider(options: OidcProviderOptions): Promise<RunningOidcProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ttl = options.accessTokenTtl ?? 3600;
  const provider = new Provider(issuer, {
    clients: options.clients ?? [],
    findAccount: async (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => ({ sub: id }) }),
    scopes: ['openid', 'offline_access', ...(options.resourceScopes ?? 'read write').split(' ')],
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      registration: { enabled: options.registration ?? true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => options.resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, indicator: string) => {
          if (indicator !== options.resource) throw new Error(`unknown resource ${indicator}`);
          return { scope: options.resourceScopes ?? 'read write', audience: indicator, accessTokenFormat: 'jwt', accessTokenTTL: ttl };
        },
      },
    },
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx: unknown, client: ProviderClient) => client.grantTypeAllowed('refresh_token'),
    pkce: { required: () => true },
    ttl: {
      AccessToken: ttl,
      AuthorizationCode: 60,
      ClientCredentials: ttl,
      Grant: 86_400,
      IdToken: 3600,
      Interaction: 600,
      RefreshToken: 86_400,
      Session: 86_400,
    },
    enabledJWA: { clientAuthSigningAlgValues: ['HS256', 'RS256', 'ES256'] },
  });
  const events: ProviderEvents = { tokenRequests: 0, grants: {}, errors: {} };
  provider.use(async (ctx, next) => {
    if (ctx.method === 'POST' && ctx.path === '/token') events.tokenRequests++;
    await next();
    if (options.issInResponses !== false) return;
    if (ctx.path === '/.well-known/openid-configuration' && ctx.body && typeof ctx.body === 'object') {
      delete (ctx.body as Record<string, unknown>).authorization_response_iss_parameter_supported;
    }
    const location = ctx.response.get('location');
    if (location && URL.canParse(location)) {
      const url = new URL(location);
      if (url.searchParams.has('iss')) {
        url.searchParams.delete('iss');
        ctx.response.set('location', url.href);
      }
    }
  });
  provider.on('grant.success', (ctx) => {
    const type = String((ctx.oidc.params as { grant_type?: string } | undefined)?.grant_type ?? 'unknown');
    events.grants[type] = (events.grants[type] ?? 0) + 1;
  });
  provider.on('grant.error', (_ctx, error: { error?: string }) => {
    const code = error.error ?? 'unknown';
    events.errors[code] = (events.errors[code] ?? 0) + 1;
  });
  server.on('request', provider.callback());
  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    provider,
    events,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface ConsentOptions {
  /** Stop (without fetching) at the first redirect whose URL starts with this prefix; it is returned. */
  stopAt?: string;
  /** Deny at the consent prompt (the provider redirects back with error=access_denied). */
  deny?: boolean;
  /** A sign-in link to open first (a dev one-time link of the connections page): consent needs a signed-in browser. */
  signIn?: string;
  /** The browser's cookies to start with (a `cookie` header a previous call returned). */
  cookie?: string;
}

/**
 * Follows a consent link the way a browser would (redirects, cookies), logs in as `login` and
 * grants consent on the provider's dev interaction pages. With `signIn`, opens that link first;
 * presses Continue on the relay's interstitial. Resolves the last response (the relay's result
 * page), or the redirect URL matching `stopAt`, and the browser's cookies (to replay a callback
 * from the same browser).
 */
export async function completeConsent(startUrl: string, login: string, options: ConsentOptions = {}): Promise<{ response?: Response; url: URL; cookie: string }> {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const remember = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
  };
  for (const pair of options.cookie ? options.cookie.split('; ') : []) {
    const eq = pair.indexOf('=');
    jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  if (options.signIn) {
    const res = await fetch(options.signIn, { redirect: 'manual' });
    remember(res);
    await res.body?.cancel();
  }
  let url = new URL(startUrl);
  let init: RequestInit = {};
  for (let hop = 0; hop < 20; hop++) {
    if (options.stopAt && url.href.startsWith(options.stopAt)) return { url, cookie: cookieHeader() };
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string> | undefined), cookie: cookieHeader() } });
    remember(res);
    init = {};
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      url = new URL(res.headers.get('location')!, url);
      continue;
    }
    if (res.status === 200 && url.pathname.startsWith('/interaction/')) {
      const html = await res.text();
      const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1] ?? (html.includes('name="login"') ? 'login' : 'consent');
      if (prompt === 'consent' && options.deny) {
        url = new URL(`${url.pathname}/abort`, url);
        continue;
      }
      const body = prompt === 'login' ? new URLSearchParams({ prompt, login, password: 'any' }) : new URLSearchParams({ prompt });
      init = { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } };
      continue;
    }
    if (res.status === 200 && res.headers.get('content-type')?.startsWith('text/html')) {
      const html = await res.clone().text();
      const form = /<form method="post" action="([^"]+)" data-consent-continue>(.*?)<\/form>/s.exec(html);
      if (form) {
        const fields = new URLSearchParams([...form[2]!.matchAll(/name="(\w+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!.replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c)))] as [string, string]));
        url = new URL(form[1]!.replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c))), url);
        init = { method: 'POST', body: fields, headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' } };
        continue;
      }
    }
    return { response: res, url, cookie: cookieHeader() };
  }
  throw new Error(`completeConsent: too many redirects from ${startUrl}`);
}

/** A confidential client of the client-credentials grant (an agent app); its secret is {@link clientSecretOf}. */
export function clientCredentialsClient(clientId: string): ClientMetadata {
  return { client_id: clientId, client_secret: clientSecretOf(clientId), grant_types: ['client_credentials'], response_types: [], redirect_uris: [] };
}

/** The secret of a {@link clientCredentialsClient}. */
export const clientSecretOf = (clientId: string) => `${clientId}-secret-0123456789`;

/**
 * An access token (a JWT, `aud` = `resource`) the provider at `issuer` issues to the
 * {@link clientCredentialsClient} `clientId`.
 *
 * @throws Error naming the status when the provider refuses.
 */
export async function clientCredentialsToken(issuer: string, clientId: string, resource: string): Promise<string> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecretOf(clientId), resource, scope: 'read' }),
  });
  if (!res.ok) throw new Error(`client credentials for ${clientId} at ${issuer}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}
