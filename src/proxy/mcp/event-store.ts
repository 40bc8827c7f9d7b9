/**
 * The bounded event store of one agent session (Streamable HTTP resumability): every SSE event the
 * proxy sends an agent on a resumable stream gets an id and is kept here, so that an agent whose
 * stream drops can reconnect with `GET` + `Last-Event-ID` and receive what it missed. It serves the
 * SDK transport (`EventStore`) and the tool-call fast path (`append`, `after`) alike.
 *
 * Bounds (per session): at most `EVENT_STORE_BOUNDS.maxEvents` events and `maxBytes` bytes of
 * event data; the oldest events are dropped first. Nothing is allocated until the first event.
 *
 * Event ids are `<replica>.<stream>.<seq>`: `replica` is random per process, so an id minted by
 * another replica (or by this process before a restart) is recognised as not replayable here;
 * `stream` is the SDK's stream id, or for a fast-path call `c<n>-<base64url(JSON request id)>`, so
 * that any replica can answer the call's request id with an error when its events are gone.
 */
import { randomBytes } from 'node:crypto';
import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

export const EVENT_STORE_BOUNDS = Object.freeze({ maxEvents: 256, maxBytes: 256 * 1024 });

/** Identifies this process in event ids. */
const REPLICA = randomBytes(4).toString('hex');
/** Bytes counted for an event beyond its data (id, stream, bookkeeping). */
const EVENT_OVERHEAD = 64;

interface StoredEvent {
  readonly seq: number;
  readonly streamId: string;
  /** The JSON-RPC message as sent (`undefined`: a priming event, which carries only an id). */
  readonly data: string | undefined;
}

interface StreamState {
  /** Events of this stream still held. */
  held: number;
  /** Highest seq of this stream dropped by the bounds (0 = none): a resume from before it has a gap. */
  droppedThrough: number;
  /** The stream's last message (the response) is stored. */
  complete: boolean;
}

/** What a `Last-Event-ID` names, as seen by this session's store. */
export type EventIdLookup =
  | { kind: 'replayable'; streamId: string; seq: number }
  /** Not replayable here: minted by another replica or process, dropped by the bounds, or not an id of ours. */
  | { kind: 'lost'; streamId: string | undefined };

/** A fast-path call's stream id: `c<n>-<base64url(JSON(request id))>`. */
export function callStreamId(n: number, requestId: string | number): string {
  return `c${n}-${Buffer.from(JSON.stringify(requestId)).toString('base64url')}`;
}

/** The request id a fast-path call stream id carries (undefined for other streams or a malformed one). */
export function requestIdOfStream(streamId: string): string | number | undefined {
  const m = /^c\d+-([A-Za-z0-9_-]{1,200})$/.exec(streamId);
  if (!m) return undefined;
  try {
    const id: unknown = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8'));
    return typeof id === 'string' || typeof id === 'number' ? id : undefined;
  } catch {
    return undefined;
  }
}

function parseEventId(eventId: string): { replica: string; streamId: string; seq: number } | undefined {
  if (eventId.length > 300) return undefined;
  const parts = eventId.split('.');
  if (parts.length !== 3 || !/^\d{1,15}$/.test(parts[2]!)) return undefined;
  return { replica: parts[0]!, streamId: parts[1]!, seq: Number(parts[2]) };
}

export class SessionEventStore implements EventStore {
  #events: StoredEvent[] = [];
  /** Index of the oldest held event in `#events` (dropped ones are compacted away in batches). */
  #head = 0;
  #bytes = 0;
  #seq = 0;
  #calls = 0;
  readonly #streams = new Map<string, StreamState>();

  /** Events held now, and their bytes as counted against the bound. */
  get size(): { events: number; bytes: number } {
    return { events: this.#events.length - this.#head, bytes: this.#bytes };
  }

  /** A new stream id for fast-path call `requestId`. */
  newCallStream(requestId: string | number): string {
    return callStreamId(++this.#calls, requestId);
  }

  /** Stores one event of `streamId` (`data` undefined: a priming event) and returns its id. */
  append(streamId: string, data: string | undefined, options: { final?: boolean } = {}): string {
    const seq = ++this.#seq;
    this.#events.push({ seq, streamId, data });
    this.#bytes += EVENT_OVERHEAD + (data?.length ?? 0);
    let s = this.#streams.get(streamId);
    if (!s) this.#streams.set(streamId, (s = { held: 0, droppedThrough: 0, complete: false }));
    s.held++;
    if (options.final) s.complete = true;
    this.#enforceBounds();
    return `${REPLICA}.${streamId}.${seq}`;
  }

  /** What `eventId` names here. */
  lookup(eventId: string): EventIdLookup {
    const p = parseEventId(eventId);
    if (!p) return { kind: 'lost', streamId: undefined };
    const s = this.#streams.get(p.streamId);
    if (p.replica !== REPLICA || !s || p.seq > this.#seq || p.seq < s.droppedThrough) return { kind: 'lost', streamId: p.streamId };
    return { kind: 'replayable', streamId: p.streamId, seq: p.seq };
  }

  /** The held events of `streamId` after `seq` (priming events left out), with their ids. */
  after(streamId: string, seq: number): Array<{ id: string; data: string }> {
    const out: Array<{ id: string; data: string }> = [];
    for (let i = this.#head; i < this.#events.length; i++) {
      const e = this.#events[i]!;
      if (e.seq > seq && e.streamId === streamId && e.data !== undefined) out.push({ id: `${REPLICA}.${streamId}.${e.seq}`, data: e.data });
    }
    return out;
  }

  /** Records that `streamId` ends without a stored response (a cancelled call). */
  markComplete(streamId: string): void {
    const s = this.#streams.get(streamId);
    if (s) s.complete = true;
  }

  /** Whether `streamId`'s last message (its response) is stored. */
  complete(streamId: string): boolean {
    return this.#streams.get(streamId)?.complete ?? false;
  }

  // --- the SDK transport's EventStore ---

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const priming = Object.keys(message).length === 0;
    const final = 'id' in message && ('result' in message || 'error' in message);
    return this.append(streamId, priming ? undefined : JSON.stringify(message), { final });
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    const l = this.lookup(eventId);
    return l.kind === 'replayable' ? l.streamId : undefined;
  }

  async replayEventsAfter(lastEventId: string, { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> }): Promise<string> {
    const l = this.lookup(lastEventId);
    if (l.kind !== 'replayable') throw new Error('event id not replayable here');
    for (const e of this.after(l.streamId, l.seq)) await send(e.id, JSON.parse(e.data) as JSONRPCMessage);
    return l.streamId;
  }

  #enforceBounds(): void {
    const { maxEvents, maxBytes } = EVENT_STORE_BOUNDS;
    while (this.#events.length - this.#head > maxEvents || (this.#bytes > maxBytes && this.#events.length - this.#head > 1)) {
      const e = this.#events[this.#head++]!;
      this.#bytes -= EVENT_OVERHEAD + (e.data?.length ?? 0);
      const s = this.#streams.get(e.streamId)!;
      s.droppedThrough = e.seq;
      if (--s.held === 0 && s.complete) this.#streams.delete(e.streamId); // an open stream keeps its gap marker
    }
    if (this.#head > 64 && this.#head * 2 > this.#events.length) {
      this.#events = this.#events.slice(this.#head);
      this.#head = 0;
    }
  }
}
