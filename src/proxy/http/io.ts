/**
 * Small HTTP helpers on `node:http`: read a bounded JSON body, answer JSON, answer a `ProxyError`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { ProxyError, type FieldProblem } from '../errors.ts';

/** `decodeURIComponent` that answers 400 instead of throwing on a malformed escape. */
export function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ProxyError('ERR_BAD_REQUEST', `malformed percent-encoding in path segment "${segment.slice(0, 100)}"`);
  }
}

/** The request URL; a request-target that does not parse is a 400. */
export function requestUrl(req: IncomingMessage): URL {
  try {
    return new URL(req.url ?? '/', 'http://proxy');
  } catch {
    throw new ProxyError('ERR_BAD_REQUEST', 'malformed request target');
  }
}

/** Largest request body the admin API accepts. 1 MiB. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Reads the body as JSON. Empty body → `undefined`. Throws `ProxyError` (400, 413, 415). */
export async function readJson(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const type = req.headers['content-type'];
  const text = await readText(req, limit);
  if (text === '') return undefined;
  if (type !== undefined && !/^application\/([\w.+-]*\+)?json\b/i.test(type)) {
    throw new ProxyError('ERR_UNSUPPORTED_MEDIA_TYPE', `content-type must be application/json, got "${type.slice(0, 100)}"`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ProxyError('ERR_BAD_JSON', `request body is not valid JSON: ${(err as Error).message}`);
  }
}

/** The body as UTF-8 text, at most `limit` bytes (413 beyond). Event-based: no async iterator per request. */
function readText(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new ProxyError('ERR_BODY_TOO_LARGE', `request body exceeds ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

/** Parses `value` with `schema`; a failure becomes a 422 naming every field and problem. */
export function parseBody<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  if (value === undefined) throw new ProxyError('ERR_VALIDATION', `${what}: request body is required`, { details: [{ path: '', message: 'request body is required' }] });
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const details: FieldProblem[] = r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  const summary = details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ');
  throw new ProxyError('ERR_VALIDATION', `invalid ${what}: ${summary}`, { details });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Answers an error: a `ProxyError` as itself, anything else as a 500 without internals. */
export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const e = err instanceof ProxyError ? err : new ProxyError('ERR_INTERNAL', 'internal error');
  sendJson(res, e.status, e.toJSON(), e.headers ?? {});
}
