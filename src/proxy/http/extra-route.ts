import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A route mounted on the agent listener ahead of the proxy's own, without agent authentication
 * (the handler decides). Matches when the method is equal and the path starts with `pathPrefix`.
 */
export interface ExtraRoute {
  method: 'GET' | 'POST';
  pathPrefix: string;
  handler: (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;
}
