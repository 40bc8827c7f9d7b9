/**
 * The parts of one running proxy, handed to the HTTP handlers. Built once by `startProxy`.
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { Catalog, CatalogChange } from './catalog/catalog.ts';
import type { AgentAuthenticator } from './mcp/agent-auth.ts';
import type { CatalogRequests } from './mcp/catalog-requests.ts';
import type { ListPages } from './mcp/list-pages.ts';
import type { ResourceSubscriptions } from './mcp/resource-subscriptions.ts';
import type { ToolCalls } from './mcp/tool-call.ts';
import type { AgentSessionIds } from './mcp/session-id.ts';
import type { SessionTable } from './mcp/sessions.ts';
import type { ProxyMetrics } from './observe/metrics.ts';
import type { RegistrationStore } from './registry/store.ts';
import type { UpstreamCredentials } from './upstream/credentials.ts';
import type { UpstreamPool } from './upstream/pool.ts';
import type { UpstreamUrlPolicy } from './upstream/session.ts';
import type { AgentIdentity } from './registry/types.ts';

export interface ProxyContext {
  readonly store: RegistrationStore;
  readonly pool: UpstreamPool;
  readonly catalog: Catalog;
  /** The tool-call core every entry point hands `tools/call` to. */
  readonly toolCalls: ToolCalls;
  /** The core of prompt, resource and completion requests (`mcp/catalog-requests.ts`). */
  readonly catalogRequests: CatalogRequests;
  /** Pages of the lists agents read, with sealed cursors. */
  readonly listPages: ListPages;
  /** Agents' resource subscriptions, shared per upstream session. */
  readonly resourceSubscriptions: ResourceSubscriptions;
  readonly sessions: SessionTable;
  /** Mints and opens the sealed agent session ids any replica can serve. */
  readonly sessionIds: AgentSessionIds;
  readonly agentAuth: AgentAuthenticator;
  readonly credentials: UpstreamCredentials;
  readonly logger: Logger;
  readonly metrics: ProxyMetrics;
  /** Throws 401 unless the request carries the admin token. */
  readonly checkAdmin: (req: IncomingMessage) => void;
  /** Throws 403 for a disallowed `Origin`. */
  readonly checkOrigin: (req: IncomingMessage) => void;
  /** Throws 403 for a `Host` that is not an allowed host (DNS rebinding). */
  readonly checkHost: (req: IncomingMessage) => void;
  readonly requireSync: boolean;
  /** The SSRF policy upstream connections follow (undefined = no check); `POST /gateways` refuses what it would. */
  readonly upstreamUrlPolicy: UpstreamUrlPolicy | undefined;
  /** Who `/tools/invoke` acts as when called with the admin token; undefined = the admin token is refused there. */
  readonly adminIdentity: AgentIdentity | undefined;
  /** Call after a registration change: invalidates the catalog and tells agents whose lists changed. */
  readonly registrationsChanged: (change?: CatalogChange) => void;
}
