/**
 * One suite, run against every upstream kind (TypeScript SDK, Python mcp 1.x and 2.x, Go SDK) in
 * each of its serving modes, twice: an SDK client straight to the upstream, and an SDK client
 * through a virtual server of a real proxy. Both sides must see the same behaviour: discovery, a
 * call, progress, a log line, `isError`, `structuredContent`, cancellation (the agent's call ends
 * and the upstream saw it cancelled, when its transport can tell), and for `resumable` upstreams a
 * call whose stream the upstream closes mid-call (resumed with Last-Event-ID); for `catalog`
 * upstreams their resources, template, prompt and completions (capabilities, list, read, get,
 * complete), and for `subscribes` ones a resource subscription and its `resources/updated`.
 *
 * Tools and the prompt are selected with identity renames, so the same names work on both sides;
 * resource URIs are never renamed.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema, ResourceUpdatedNotificationSchema, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId, serverId } from '../../../src/api/ids.ts';
import { AdminClient } from '../../../src/contract/client.ts';
import { ADMIN_TOKEN, agentToken, eventually, startTestProxy, type TestProxy } from '../proxy/harness.ts';

/** The tools every conformance upstream offers (hack/upstreams/, test/support/upstreams/edge-server.ts). */
export const CONFORMANCE_TOOLS = ['echo', 'add', 'fail_tool', 'progress', 'log', 'wait_for_cancel'] as const;

export interface ConformanceUpstream {
  readonly url: string;
  /** The tags of `wait_for_cancel` calls the upstream saw cancelled. */
  cancelled(): Promise<string[]>;
  close(): Promise<void>;
}

export interface ConformanceCase {
  /** e.g. `python-mcp1 sse`. */
  readonly label: string;
  /** Gateway slug (lowercase, dashes). */
  readonly slug: string;
  start(): Promise<ConformanceUpstream>;
  /** The upstream learns of a cancelled call (false: stateless, where a cancellation has no session to reach). */
  readonly observesCancellation: boolean;
  /**
   * Whether a call's progress and log lines reach the caller, per side. Python in JSON mode drops
   * them (none on either side); the Go SDK in JSON mode sends them on the session's GET stream,
   * which the proxy does not attribute to calls (docs/proxy.md, "Not done").
   */
  readonly notifiesDuringCall: { direct: boolean; proxy: boolean };
  /** Offers `poll` and closes its stream mid-call. */
  readonly resumable?: boolean;
  /** Offers resources test://static, test://items/{id}, prompt greet and completions of their arguments. */
  readonly catalog?: boolean;
  /** Offers resource subscriptions and a tool `touch {uri}` that notifies the sessions subscribed to uri. */
  readonly subscribes?: boolean;
}

/** An SDK client to `url`, declaring nothing special; `headers` for the proxy's agent token. */
async function client(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const c = new Client({ name: 'conformance', version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return c;
}

const text = (result: unknown) => ((result as { content: { type: string; text?: string }[] }).content.find((c) => c.type === 'text')?.text ?? '');

/** Defines the suite for `cases`: one proxy for the file, one gateway and virtual server per case. */
export function conformanceSuite(title: string, cases: ConformanceCase[]): void {
  let proxy: TestProxy;
  let admin: AdminClient;

  beforeAll(async () => {
    proxy = await startTestProxy();
    admin = new AdminClient({ baseUrl: proxy.adminUrl, token: ADMIN_TOKEN });
  });
  afterAll(async () => {
    await admin?.close();
    await proxy?.close();
  });

  describe.each(cases)(`${title}: $label`, (c) => {
    let upstream: ConformanceUpstream;
    const sides: Record<'direct' | 'through the proxy', Client> = {} as never;
    const tools = [...CONFORMANCE_TOOLS, ...(c.resumable ? ['poll'] : []), ...(c.subscribes ? ['touch'] : [])];

    beforeAll(async () => {
      upstream = await c.start();
      const gw = gatewayId('conformance', c.slug);
      const vs = serverId('conformance', c.slug);
      await admin.putGateway(gw, { name: c.slug, namespace: 'conformance', url: upstream.url, transport: 'STREAMABLEHTTP' });
      await admin.putServer(vs, {
        name: c.slug,
        namespace: 'conformance',
        tool_selectors: [{ gateway_id: gw, include: tools, rename: Object.fromEntries(tools.map((t) => [t, t])) }],
        ...(c.catalog ? { prompt_selectors: [{ gateway_id: gw, include: ['greet'], rename: { greet: 'greet' } }], resource_selectors: [{ gateway_id: gw }] } : {}),
      });
      await eventually(async () => {
        const s = await admin.getServer(vs);
        return s?.toolCount === tools.length && (!c.catalog || (s.promptCount === 1 && s.resourceCount === 1 && s.resourceTemplateCount === 1));
      }, 30_000, `${c.label}: discovery through the proxy`);
      sides.direct = await client(upstream.url);
      sides['through the proxy'] = await client(`${proxy.url}/servers/${vs}/mcp`, { authorization: `Bearer ${await agentToken('alice')}` });
    }, 60_000);
    afterAll(async () => {
      for (const s of Object.values(sides)) await s?.close().catch(() => {});
      await upstream?.close();
    });

    const notifies = (side: keyof typeof sides) => c.notifiesDuringCall[side === 'direct' ? 'direct' : 'proxy'];

    describe.each(['direct', 'through the proxy'] as const)('%s', (side) => {
      it('discovers the tools', async () => {
        const names = (await sides[side].listTools()).tools.map((t) => t.name);
        expect(names).toEqual(expect.arrayContaining(tools));
      });

      it('calls a tool', async () => {
        expect(text(await sides[side].callTool({ name: 'echo', arguments: { text: `hello ${side}` } }))).toBe(`hello ${side}`);
      });

      it('relays progress, then the result', async () => {
        const seen: Progress[] = [];
        const result = await sides[side].callTool({ name: 'progress', arguments: { steps: 3 } }, undefined, { onprogress: (p) => seen.push(p) });
        expect(text(result)).toBe('done in 3 steps');
        const expected = notifies(side) ? [[1, 3, 'step 1'], [2, 3, 'step 2'], [3, 3, 'step 3']] : [];
        expect(seen.map((p) => [p.progress, p.total, p.message])).toEqual(expected);
      });

      it("relays the call's log line", async () => {
        const lines: unknown[] = [];
        sides[side].setNotificationHandler(LoggingMessageNotificationSchema, (n) => void lines.push(n.params.data));
        // Python's servers send log lines without declaring `logging` (so no logging/setLevel); the proxy declares it.
        if (sides[side].getServerCapabilities()?.logging) await sides[side].setLoggingLevel('info');
        expect(text(await sides[side].callTool({ name: 'log', arguments: { text: `line ${side}` } }))).toBe('logged');
        if (notifies(side)) await eventually(() => lines.includes(`line ${side}`), 5_000, 'the log line');
        else expect(lines).toEqual([]);
      });

      it('passes isError through', async () => {
        const result = await sides[side].callTool({ name: 'fail_tool', arguments: {} });
        expect(result.isError).toBe(true);
        expect(text(result)).toContain('tool failed as asked');
      });

      it('passes structuredContent through', async () => {
        const result = await sides[side].callTool({ name: 'add', arguments: { a: 2, b: 3 } });
        expect(result.structuredContent).toEqual({ sum: 5 });
      });

      it('cancels a call', async () => {
        const tag = `${c.slug}-${side}`;
        const ac = new AbortController();
        const call = sides[side].callTool({ name: 'wait_for_cancel', arguments: { tag } }, undefined, { signal: ac.signal });
        // Cancel once the upstream is working on it: a cancellation before the request arrives has nothing to reach.
        await new Promise((r) => setTimeout(r, 300));
        ac.abort('the agent gave up');
        await expect(call).rejects.toThrow();
        if (c.observesCancellation) await eventually(async () => (await upstream.cancelled()).includes(tag), 10_000, `${c.label} sees ${tag} cancelled`);
        // The session still works after a cancellation.
        expect(text(await sides[side].callTool({ name: 'echo', arguments: { text: 'after' } }))).toBe('after');
      });

      if (c.resumable) {
        it('finishes a call whose stream the upstream closed mid-call (Last-Event-ID)', async () => {
          const seen: Progress[] = [];
          const result = await sides[side].callTool({ name: 'poll', arguments: { steps: 3 } }, undefined, { onprogress: (p) => seen.push(p) });
          expect(text(result)).toBe('polled 3 steps');
          // Step 1 came before the stream closed. Steps sent while the client reconnects are the
          // Python SDK's to replay: both the TS SDK client and the proxy have been seen to get none,
          // some or all of them, so only their order is checked. The result is what must not be lost.
          const steps = seen.map((p) => p.progress);
          expect(steps[0]).toBe(1);
          expect(steps).toEqual([...steps].sort());
        });
      }

      if (c.catalog) {
        it('declares resources, prompts and completions', async () => {
          const caps = sides[side].getServerCapabilities();
          expect(caps?.resources).toBeDefined();
          expect(caps?.prompts).toBeDefined();
          expect(caps?.completions).toBeDefined();
          // What the upstream itself declares, whichever side asks (the Go SDK declares subscribe even stateless).
          expect(caps?.resources?.subscribe === true).toBe(sides.direct.getServerCapabilities()?.resources?.subscribe === true);
        });

        it('lists and reads resources and the template', async () => {
          const s = sides[side];
          expect((await s.listResources()).resources.map((r) => r.uri)).toEqual(['test://static']);
          expect((await s.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate)).toEqual(['test://items/{id}']);
          expect((await s.readResource({ uri: 'test://static' })).contents[0]).toMatchObject({ uri: 'test://static', text: 'static resource text' });
          expect((await s.readResource({ uri: 'test://items/7' })).contents[0]).toMatchObject({ uri: 'test://items/7', text: 'item 7' });
        });

        it('lists and gets the prompt', async () => {
          const s = sides[side];
          expect((await s.listPrompts()).prompts.map((p) => p.name)).toEqual(['greet']);
          const prompt = await s.getPrompt({ name: 'greet', arguments: { name: 'Ada' } });
          expect(prompt.messages[0]?.content).toMatchObject({ type: 'text', text: 'Hello, Ada!' });
        });

        it("completes the prompt's argument and the template's variable", async () => {
          const s = sides[side];
          expect((await s.complete({ ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'name', value: 'A' } })).completion.values).toEqual(['Ada', 'Alan']);
          expect((await s.complete({ ref: { type: 'ref/resource', uri: 'test://items/{id}' }, argument: { name: 'id', value: '1' } })).completion.values).toEqual(['17']);
        });
      }

      if (c.subscribes) {
        it('delivers resources/updated for a subscribed resource until unsubscribed', async () => {
          const s = sides[side];
          const updated: string[] = [];
          s.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updated.push(n.params.uri));
          await s.subscribeResource({ uri: 'test://static' });
          await s.callTool({ name: 'touch', arguments: { uri: 'test://static' } });
          await eventually(() => updated.includes('test://static'), 10_000, `${c.label}: resources/updated ${side}`);
          await s.unsubscribeResource({ uri: 'test://static' });
        });
      }
    });
  });
}

/** `cancelled()` for an out-of-process upstream: asks its `cancelled` tool. */
export async function cancelledTool(url: string): Promise<string[]> {
  const c = await client(url);
  try {
    const result = await c.callTool({ name: 'cancelled', arguments: {} });
    return (result.structuredContent as { result: string[] }).result;
  } finally {
    await c.close();
  }
}
