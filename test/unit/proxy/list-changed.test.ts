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
  return { gateways, catalog, announcer, told, jiraOnly, wikiOnly, byId, sessions };
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
});
