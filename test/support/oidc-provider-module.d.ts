// `oidc-provider` ships no TypeScript types. This declares the slice test/support/oidc-provider.ts uses.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type ClientMetadata = Record<string, unknown> & { client_id: string };

  export interface OidcContext {
    oidc: { params?: Record<string, unknown> };
  }

  export interface ProviderClient {
    grantTypeAllowed(type: string): boolean;
  }

  /** The slice of Koa's context the test middleware uses. */
  export interface KoaContext {
    method: string;
    path: string;
    body: unknown;
    response: { get(name: string): string; set(name: string, value: string): void };
  }

  export default class Provider {
    use(middleware: (ctx: KoaContext, next: () => Promise<void>) => Promise<void>): this;
    constructor(issuer: string, configuration: Record<string, unknown>);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: string, listener: (ctx: OidcContext, ...args: any[]) => void): this;
  }
}
