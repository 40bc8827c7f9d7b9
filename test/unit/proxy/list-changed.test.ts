import { describe, expect, it } from 'vitest';
import { toolId } from '../../../src/api/ids.ts';
import { ServerSpec } from '../../../src/contract/wire.ts';
import { Catalog } from '../../../src/proxy/catalog/catalog.ts';
import type { CatalogGateway } from '../../../src/proxy/catalog/resolve.ts';
import { ListAnnouncer } from '../../../src/proxy/mcp/list-changed.ts';
import { SessionTable, type AgentListName, type AgentSession } from '../../../src/proxy/mcp/sessions.ts';
import { RegistrationStore } from '../../../src/proxy/registry/store.ts';

const JIRA = 'a'.repeat(32);
const WIKI = 'b'.repeat(32);
const tool = (name: string) => ({ name, inputSchema: { type: 'object' as const } });

function setup() {
  const gateways = new Map<string, CatalogGateway>([
    [JIRA, { id: JIRA, slug: 'jira', tools: [tool('search'), tool('create')] }],
    [WIKI, { id: WIKI, slug: 'wiki', tools: [tool('page')] }],
  ]);
  const store = new RegistrationStore();
  const put = (id: string, s: Record<string, unknown>) => store.putServer(id, ServerSpec.parse({ name: `vs-${id[0]}`, ...s }), id);
  const jiraOnly = put('1'.repeat(32), { tool_selectors: [{ gateway_id: JIRA }] }).registration;
  const wikiOnly = put('2'.repeat(32), { tool_selectors: [{ gateway_id: WIKI }] }).registration;
  // An associated id may name any gateway's tool: this server reads every gateway.
  const byId = put('3'.repeat(32), { associated_tools: [toolId(JIRA, 'search')] }).registration;
  const catalog = new Catalog(() => gateways);
  const sessions = new SessionTable();
  const told: Array<[string, AgentListName]> = [];
  for (const server of [jiraOnly, wikiOnly, byId]) {
    const session: AgentSession = { id: `s-${server.id}`, serverId: server.id, user: 'u', transport: 'streamable-http', lastSeen: Date.now(), handle: async () => {}, notifyListChanged: (list) => void told.push([server.id, list]), close: async () => {} };
    sessions.add(session);
  }
  const announcer = new ListAnnouncer(store, catalog, sessions);
  announcer.changed();
  return { gateways, catalog, announcer, told, jiraOnly, wikiOnly, byId, sessions, store };
}

describe('ListAnnouncer', () => {
  it('resolves again only the servers that read the changed gateway, and tells only their agents', async () => {
    const { gateways, catalog, announcer, told, jiraOnly, wikiOnly, byId, sessions } = setup();
    const before = { jira: catalog.resolve(jiraOnly), wiki: catalog.resolve(wikiOnly), byId: catalog.resolve(byId) };
    told.length = 0;

    gateways.set(WIKI, { id: WIKI, slug: 'wiki', tools: [tool('page'), tool('history')] });
    announcer.changed({ gateways: [WIKI] });

    expect(catalog.resolve(jiraOnly)).toBe(before.jira); // untouched: it does not read the wiki
    expect(catalog.resolve(wikiOnly)).not.toBe(before.wiki);
    expect(catalog.resolve(wikiOnly).tools.map((t) => t.name)).toEqual(['wiki-history', 'wiki-page']);
    expect(catalog.resolve(byId)).not.toBe(before.byId); // associated ids: reads every gateway
    expect(told).toEqual([[wikiOnly.id, 'tools']]);
    await sessions.closeAll();
  });

  it('a changed server is resolved again on its own; a change without scope resolves every server', async () => {
    const { catalog, announcer, told, jiraOnly, wikiOnly, byId, sessions } = setup();
    const jira = catalog.resolve(jiraOnly);
    const wiki = catalog.resolve(wikiOnly);
    told.length = 0;
    announcer.changed({ servers: [byId.id] });
    expect(catalog.resolve(jiraOnly)).toBe(jira);
    expect(catalog.resolve(wikiOnly)).toBe(wiki);
    announcer.changed();
    expect(catalog.resolve(jiraOnly)).not.toBe(jira);
    expect(told).toEqual([]); // nothing any server serves changed
    await sessions.closeAll();
  });

  it('follows a server whose selectors were re-pointed: a change to its old gateway no longer reaches it, one to its new gateway does', async () => {
    const { gateways, catalog, announcer, told, jiraOnly, sessions, store } = setup();
    const { registration: moved } = store.putServer(jiraOnly.id, ServerSpec.parse({ name: 'vs-1', tool_selectors: [{ gateway_id: WIKI }] }), 'moved');
    announcer.changed({ servers: [moved.id] });
    expect(catalog.resolve(moved).tools.map((t) => t.name)).toEqual(['wiki-page']);
    told.length = 0;

    gateways.set(JIRA, { id: JIRA, slug: 'jira', tools: [tool('search')] });
    announcer.changed({ gateways: [JIRA] });
    expect(told.filter(([id]) => id === moved.id)).toEqual([]);

    gateways.set(WIKI, { id: WIKI, slug: 'wiki', tools: [tool('page'), tool('history')] });
    announcer.changed({ gateways: [WIKI] });
    expect(told.filter(([id]) => id === moved.id)).toEqual([[moved.id, 'tools']]);
    await sessions.closeAll();
  });

  it('a deleted server is forgotten: a change to the gateway it read tells nobody about it', async () => {
    const { gateways, announcer, told, wikiOnly, sessions, store } = setup();
    store.deleteServer(wikiOnly.id);
    announcer.changed({ servers: [wikiOnly.id] });
    told.length = 0;
    gateways.set(WIKI, { id: WIKI, slug: 'wiki', tools: [] });
    announcer.changed({ gateways: [WIKI] });
    expect(told.filter(([id]) => id === wikiOnly.id)).toEqual([]);
    expect(store.readersOf([WIKI]).has(wikiOnly.id)).toBe(false);
    await sessions.closeAll();
  });
});

describe('RegistrationStore server lookups', () => {
  const spec = (name: string, namespace: string) => ServerSpec.parse({ name, namespace });

  it('finds a server by namespace/name and by its name, under its current name only', () => {
    const store = new RegistrationStore();
    const id = '4'.repeat(32);
    store.putServer(id, spec('jira', 'team-a'), 'h1');
    expect(store.findServer('team-a/jira')?.id).toBe(id);
    store.putServer(id, spec('tickets', 'team-a'), 'h2'); // renamed by a PUT
    expect(store.findServer('team-a/jira')).toBeUndefined();
    expect(store.findServer('jira')).toBeUndefined();
    expect(store.findServer('tickets')?.id).toBe(id);
    expect(store.serverNamed('team-a', 'tickets', '5'.repeat(32))?.id).toBe(id);
    expect(store.serverNamed('team-a', 'tickets', id)).toBeUndefined(); // itself is no clash
    store.deleteServer(id);
    expect(store.findServer('tickets')).toBeUndefined();
  });

  it('a bare name used in two namespaces is ambiguous; namespace/name picks one', () => {
    const store = new RegistrationStore();
    store.putServer('6'.repeat(32), spec('jira', 'team-a'), 'h');
    store.putServer('7'.repeat(32), spec('jira', 'team-b'), 'h');
    expect(() => store.findServer('jira')).toThrow(/team-a\/jira, team-b\/jira/);
    expect(store.findServer('team-b/jira')?.id).toBe('7'.repeat(32));
  });
});
