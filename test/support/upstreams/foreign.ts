/**
 * MCP servers no one here wrote the SDK of, as child processes on loopback ports: the Python `mcp`
 * package (1.x `FastMCP`, 2.x `MCPServer`) and the Go SDK. Their sources are hack/upstreams/ (the
 * same tools, resources and prompt as test/support/upstreams/edge-server.ts); they are installed
 * and built by hack/build-test-upstreams.sh into the test cache, which this runs when
 * MCP_GITOPS_TEST_UPSTREAMS (set by hack/test.sh) is absent. A machine without python3 or go fails
 * here, loudly: these suites never skip.
 *
 * @example
 * const up = await startForeignUpstream('python-mcp1', 'sse');
 * // … connect to up.url …
 * await up.kill();
 */
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild, type ChildServer } from './child.ts';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** Which SDK the server is built on. */
export type ForeignSdk = 'python-mcp1' | 'python-mcp2' | 'go-sdk';
/**
 * How it serves Streamable HTTP: `sse` the SDK's default (SSE answers), `json` JSON answers,
 * `stateless` no session, `resumable` (Python) an event store and `retry`, with `poll` closing its
 * call's stream mid-call.
 */
export type ForeignMode = 'sse' | 'json' | 'stateless' | 'resumable';

export interface ForeignUpstream extends ChildServer {
  readonly url: string;
  readonly sdk: ForeignSdk;
  readonly mode: ForeignMode;
}

let installed: string | undefined;

/** The directory hack/build-test-upstreams.sh filled (built once per test process if not given). */
export function testUpstreamsDir(): string {
  installed ??=
    process.env.MCP_GITOPS_TEST_UPSTREAMS ||
    execFileSync(join(REPO, 'hack/build-test-upstreams.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').at(-1)!;
  return installed;
}

export async function startForeignUpstream(sdk: ForeignSdk, mode: ForeignMode): Promise<ForeignUpstream> {
  const dir = testUpstreamsDir();
  const child =
    sdk === 'go-sdk'
      ? await startChild([mode], {}, 20_000, join(dir, 'mcp-go-upstream'))
      : await startChild([join(REPO, 'hack/upstreams/python/server.py'), mode], { PYTHONUNBUFFERED: '1' }, 30_000, join(dir, sdk, 'bin/python'));
  return { ...child, url: `http://127.0.0.1:${child.port}/mcp`, sdk, mode };
}
