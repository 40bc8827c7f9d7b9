/**
 * One Streamable HTTP agent session held by this replica, light while idle.
 *
 * What an agent does most — `tools/call`, `tools/list`, keeping its GET stream open — is served
 * without the SDK (`agent-fast-path.ts`, `list-fast-path.ts`, `standalone-stream.ts`). The SDK
 * `Server` + `StreamableHTTPServerTransport` pair serves the rest (`initialize`, prompts,
 * resources, completions, `logging/setLevel`, relayed answers the fast path does not own, DELETE)
 * and is most of a session's heap. So it is built when such a request comes and dropped again
 * once it has had nothing open for `sessionShedMs` (5 s by default): the session's id carries its state
 * (`session-id.ts`), from which the pair is rebuilt as on a replica that never saw the session
 * (`sdk-session-restore.ts`), with the capabilities declared at `initialize`.
 *
 * What lives as long as the session, SDK pair or not: the event store (resumability), the
 * standalone GET stream, the fast path's state, the `logging/setLevel` level, and resource
 * subscriptions (`resources/updated` goes to the standalone stream directly).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { ProxyContext } from '../context.ts';
import type { AgentIdentity } from '../registry/types.ts';
import { AgentFastPathState, tryAgentFastPath } from './agent-fast-path.ts';
import type { AgentOffer } from './agent-offer.ts';
import { announceListChanged, createAgentServer, offerOf, type AgentSessionState } from './agent-server.ts';
import { SessionEventStore } from './event-store.ts';
import { tryListFastPath } from './list-fast-path.ts';
import type { ResourceSubscriber } from './resource-subscriptions.ts';
import { resumeStream } from './resume.ts';
import { restoreInitializedSession } from './sdk-session-restore.ts';
import type { AgentSessionClaims } from './session-id.ts';
import type { AgentListName, AgentSession } from './sessions.ts';
import { StandaloneStream } from './standalone-stream.ts';

interface SdkPair {
  mcp: Server;
  transport: StreamableHTTPServerTransport;
}

export class StreamableSession implements AgentSession {
  readonly id: string;
  readonly serverId: string;
  readonly user: string;
  readonly transport = 'streamable-http' as const;
  lastSeen = Date.now();

  readonly #ctx: ProxyContext;
  readonly #identity: AgentIdentity;
  readonly #claims: AgentSessionClaims;

  get claims(): AgentSessionClaims {
    return this.#claims;
  }
  readonly #offer: AgentOffer;
  readonly #state: AgentSessionState = { logLevel: undefined };
  readonly #events = new SessionEventStore();
  readonly #fast: AgentFastPathState;
  readonly #standalone: StandaloneStream;
  readonly #subscriber: ResourceSubscriber;
  /** The SDK pair while it exists; `#building` while it is being made. */
  #sdk: SdkPair | undefined;
  #building: Promise<SdkPair> | undefined;
  /** Responses of SDK-served requests still open. */
  #sdkOpen = 0;
  #shedTimer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Whether the agent initialized the session (here or elsewhere): a pair built from now on is restored, not initialized. */
  #initialized: boolean;

  private constructor(ctx: ProxyContext, identity: AgentIdentity, claims: AgentSessionClaims, id: string, initialized: boolean) {
    this.#initialized = initialized;
    this.#ctx = ctx;
    this.#identity = identity;
    this.#claims = claims;
    this.id = id;
    this.serverId = claims.serverId;
    this.user = claims.user;
    this.#offer = offerOf(ctx, claims.serverId);
    this.#fast = new AgentFastPathState(() => claims.capabilities, this.#state);
    this.#fast.events = this.#events;
    this.#standalone = new StandaloneStream(id, this.#events);
    this.#subscriber = { resourceUpdated: (uri) => this.#standalone.send({ jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri } }) };
  }

  /**
   * A session for `claims`. `restoreId` set: initialized before (on this replica or another), its
   * SDK pair is built when first needed; unset: a new session, whose SDK pair is built now for the
   * `initialize` about to be handled.
   */
  static async open(ctx: ProxyContext, identity: AgentIdentity, claims: AgentSessionClaims, restoreId: string | undefined): Promise<StreamableSession> {
    const session = new StreamableSession(ctx, identity, claims, restoreId ?? ctx.sessionIds.mint(claims), restoreId !== undefined);
    if (restoreId === undefined) await session.#sdkPair();
    return session;
  }

  async handle(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    if (req.headers['last-event-id'] !== undefined && resumeStream(this.#events, this.#fast.calls, this.#standalone, this.id, req, res)) return;
    if (this.#standalone.open(req, res)) return;
    if (await tryAgentFastPath(this.#ctx, this.#fast, this.serverId, this.id, req, res, body)) return;
    if (tryListFastPath(this.#ctx, this.serverId, this.id, req, res, body)) return;
    const sdk = await this.#sdkPair();
    this.#sdkOpen++;
    clearTimeout(this.#shedTimer);
    res.once('close', () => {
      if (--this.#sdkOpen === 0) this.#shedLater();
    });
    await sdk.transport.handleRequest(req, res, body);
  }

  notifyListChanged(list: AgentListName): void {
    if (this.#sdk) return announceListChanged(this.#sdk.mcp, list);
    if (list === 'tools' || this.#offer.capabilities[list] !== undefined) this.#standalone.send({ jsonrpc: '2.0', method: `notifications/${list}/list_changed` });
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#shedTimer);
    this.#standalone.end();
    this.#ctx.resourceSubscriptions.closed(this.#subscriber);
    // A pair that failed to build has nothing to close (the request that wanted it got the error).
    const sdk = this.#sdk ?? (await this.#building?.catch(() => undefined));
    this.#sdk = undefined;
    await sdk?.transport.close();
  }

  #sdkPair(): Promise<SdkPair> {
    if (this.#sdk) return Promise.resolve(this.#sdk);
    this.#building ??= this.#build().finally(() => (this.#building = undefined));
    return this.#building;
  }

  async #build(): Promise<SdkPair> {
    const mcp = createAgentServer(this.#ctx, this.serverId, this.#identity, 'streamable-http', { session: this.#state, offer: this.#offer, subscriber: this.#subscriber });
    const id = this.id;
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => id, eventStore: this.#events });
    // The standalone GET stream is the session's own: what the SDK server sends there goes to it.
    const sdkSend = transport.send.bind(transport);
    transport.send = async (message, options) => (StandaloneStream.carries(message, options) ? this.#standalone.send(message) : sdkSend(message, options));
    // The transport closing (the agent's DELETE, or a close) ends the session; a shed pair is detached first.
    transport.onclose = () => {
      if (this.#sdk?.transport !== transport) return;
      this.#sdk = undefined;
      this.#ctx.sessions.delete(id);
      void this.close();
    };
    await mcp.connect(transport);
    if (this.#initialized) restoreInitializedSession(mcp, transport, id, this.#claims);
    this.#initialized = true; // the first pair of a new session is the one `initialize` goes to
    const pair = { mcp, transport };
    if (!this.#closed) this.#sdk = pair;
    return pair;
  }

  #shedLater(): void {
    clearTimeout(this.#shedTimer);
    this.#shedTimer = setTimeout(() => this.#shed(), this.#ctx.sessions.shedAfterMs).unref();
  }

  /** Drops the SDK pair when nothing of it is open; the session lives on. */
  #shed(): void {
    this.#shedTimer = undefined;
    const sdk = this.#sdk;
    if (sdk === undefined || this.#sdkOpen > 0 || this.#building !== undefined) return;
    this.#sdk = undefined;
    sdk.mcp.onclose = undefined; // not the session's end: its resource subscriptions stay
    void sdk.transport.close().catch(() => {}); // nothing of it is open; a failure to close leaves only garbage
  }
}
