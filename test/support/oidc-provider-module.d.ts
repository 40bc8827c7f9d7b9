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

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: string, listener: (ctx: OidcContext, ...args: any[]) => void): this;
  }
}
