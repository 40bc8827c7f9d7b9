import { describe, expect, it } from 'vitest';
import { promptId, resourceId, resourceTemplateId, toolId } from '../../../src/api/ids.ts';
import { ServerSpec } from '../../../src/contract/wire.ts';
import { globMatcher } from '../../../src/proxy/catalog/glob.ts';
import { resolveServer, resolveServerTools, type CatalogGateway } from '../../../src/proxy/catalog/resolve.ts';

const JIRA = 'a'.repeat(32);
const WIKI = 'b'.repeat(32);
const tool = (name: string) => ({ name, inputSchema: { type: 'object' as const } });
const gateways = new Map<string, CatalogGateway>([
  [JIRA, { id: JIRA, slug: 'atlassian-rovo', tools: [tool('searchJiraIssuesUsingJql'), tool('createJiraIssue'), tool('deleteJiraIssue'), tool('getConfluencePage')] }],
  [WIKI, { id: WIKI, slug: 'wiki', tools: [tool('getConfluencePage'), tool('search')] }],
]);
const spec = (s: Record<string, unknown>) => ServerSpec.parse({ name: 'vs', ...s });
const names = (r: { tools: { name: string }[] }) => r.tools.map((t) => t.name);

describe('globMatcher', () => {
  it('matches names exactly and globs anchored', () => {
    expect(globMatcher('search')('search')).toBe(true);
    expect(globMatcher('search')('searchAll')).toBe(false);
    expect(globMatcher('*Jira*')('searchJiraIssues')).toBe(true);
    expect(globMatcher('get?')('getX')).toBe(true);
    expect(globMatcher('get?')('getXY')).toBe(false);
    expect(globMatcher('a.b*')('axb')).toBe(false);
  });
});

describe('resolveServerTools', () => {
  it('serves every tool of a gateway with the ContextForge prefixed names by default, sorted', () => {
    const r = resolveServerTools(spec({ tool_selectors: [{ gateway_id: JIRA }] }), gateways);
    expect(names(r)).toEqual([
      'atlassian-rovo-createjiraissue',
      'atlassian-rovo-deletejiraissue',
      'atlassian-rovo-getconfluencepage',
      'atlassian-rovo-searchjiraissuesusingjql',
    ]);
    expect(r.conflicts).toEqual([]);
    expect(r.unmatched).toEqual([]);
  });

  it('applies include globs, exclude and rename as in the design example', () => {
    const r = resolveServerTools(
      spec({
        tool_selectors: [{ gateway_id: JIRA, include: ['*Jira*', 'getConfluencePage'], exclude: ['deleteJiraIssue'], rename: { searchJiraIssuesUsingJql: 'search_issues' } }],
      }),
      gateways,
    );
    expect(names(r)).toEqual(['atlassian-rovo-createjiraissue', 'atlassian-rovo-getconfluencepage', 'search_issues']);
    const renamed = r.tools.find((t) => t.name === 'search_issues');
    expect(renamed).toMatchObject({ originalName: 'searchJiraIssuesUsingJql', gatewayId: JIRA, toolId: toolId(JIRA, 'searchJiraIssuesUsingJql') });
  });

  it('leaves out and reports tools that would share a name, never picking a winner', () => {
    const r = resolveServerTools(spec({ naming: 'Plain', tool_selectors: [{ gateway_id: JIRA }, { gateway_id: WIKI }] }), gateways);
    expect(names(r)).toEqual(['createJiraIssue', 'deleteJiraIssue', 'search', 'searchJiraIssuesUsingJql']);
    expect(r.conflicts).toEqual([{ name: 'getConfluencePage', candidates: [`${JIRA}/getConfluencePage`, `${WIKI}/getConfluencePage`] }]);
  });

  it('reports a rename onto another tool name as a conflict', () => {
    const r = resolveServerTools(spec({ naming: 'Plain', tool_selectors: [{ gateway_id: WIKI, rename: { search: 'getConfluencePage' } }] }), gateways);
    expect(names(r)).toEqual([]);
    expect(r.conflicts.map((c) => c.name)).toEqual(['getConfluencePage']);
  });

  it('does not count the same tool selected twice as a conflict', () => {
    const r = resolveServerTools(spec({ associated_tools: [toolId(WIKI, 'search')], tool_selectors: [{ gateway_id: WIKI, include: ['search'] }] }), gateways);
    expect(names(r)).toEqual(['wiki-search']);
    expect(r.conflicts).toEqual([]);
  });

  it('resolves seed-style associated tool ids and reports unknown ids', () => {
    const missing = 'c'.repeat(32);
    const r = resolveServerTools(spec({ associated_tools: [toolId(JIRA, 'createJiraIssue'), missing] }), gateways);
    expect(names(r)).toEqual(['atlassian-rovo-createjiraissue']);
    expect(r.unmatched).toEqual([`associated tool ${missing}: no discovered tool has this id`]);
  });

  it('names every selector part that matched nothing', () => {
    const unknown = 'd'.repeat(32);
    const r = resolveServerTools(
      spec({
        tool_selectors: [
          { gateway_id: unknown },
          { gateway_id: JIRA, include: ['*Compass*', 'createJiraIssue'], rename: { nope: 'x' } },
        ],
      }),
      new Map([...gateways, ['e'.repeat(32), { id: 'e'.repeat(32), slug: 'empty', tools: [] }]]),
    );
    expect(names(r)).toEqual(['atlassian-rovo-createjiraissue']);
    expect(r.unmatched).toEqual([
      `tool_selectors[0]: gateway ${unknown} is not registered`,
      'tool_selectors[1].include[0] "*Compass*" matched no tool of gateway atlassian-rovo',
      'tool_selectors[1].rename "nope" matched no selected tool of gateway atlassian-rovo',
    ]);
    const none = resolveServerTools(spec({ tool_selectors: [{ gateway_id: JIRA, exclude: ['*'] }] }), gateways);
    expect(none.unmatched).toEqual(['tool_selectors[0].exclude removes every tool of gateway atlassian-rovo (every tool excluded)']);
    const empty = resolveServerTools(spec({ tool_selectors: [{ gateway_id: 'e'.repeat(32) }] }), new Map([['e'.repeat(32), { id: 'e'.repeat(32), slug: 'empty', tools: [] }]]));
    expect(empty.unmatched).toEqual(['tool_selectors[0]: gateway empty has no discovered tools yet']);
  });

  it('gives the same output for the same input regardless of upstream order', () => {
    const reversed = new Map([...gateways].reverse().map(([k, g]) => [k, { ...g, tools: [...g.tools].reverse() }]));
    const s = spec({ naming: 'Plain', tool_selectors: [{ gateway_id: WIKI }, { gateway_id: JIRA }] });
    expect(resolveServerTools(s, reversed)).toEqual(resolveServerTools(s, gateways));
  });
});

describe('resolveServer: prompts and resources', () => {
  const A = 'a'.repeat(32);
  const B = 'b'.repeat(32);
  const offers = new Map<string, CatalogGateway>([
    [A, { id: A, slug: 'docs', tools: [], prompts: [{ name: 'summarize_page' }, { name: 'review' }], resources: [{ uri: 'file:///readme.md', name: 'readme' }, { uri: 'file:///shared.md', name: 'shared' }], resourceTemplates: [{ uriTemplate: 'page://{id}', name: 'page' }] }],
    [B, { id: B, slug: 'wiki', tools: [], prompts: [{ name: 'review' }], resources: [{ uri: 'file:///shared.md', name: 'shared too' }], resourceTemplates: [] }],
  ]);

  it('names prompts by the tool naming policy and renames them verbatim', () => {
    const r = resolveServer(spec({ prompt_selectors: [{ gateway_id: A, rename: { review: 'code_review' } }, { gateway_id: B }] }), offers);
    expect(r.prompts.map((p) => [p.name, p.originalName, p.gatewayId])).toEqual([
      ['code_review', 'review', A],
      ['docs-summarize-page', 'summarize_page', A],
      ['wiki-review', 'review', B],
    ]);
    expect(r.prompts[0]?.promptId).toBe(promptId(A, 'review'));
  });

  it('reports a prompt name two gateways claim under Plain naming, serving neither', () => {
    const r = resolveServer(spec({ naming: 'Plain', prompt_selectors: [{ gateway_id: A }, { gateway_id: B }] }), offers);
    expect(r.prompts.map((p) => p.name)).toEqual(['summarize_page']);
    expect(r.promptConflicts).toEqual([{ name: 'review', candidates: [`${A}/review`, `${B}/review`] }]);
  });

  it('serves resource URIs and templates unchanged; a URI two gateways offer is a conflict, never a winner', () => {
    const r = resolveServer(spec({ resource_selectors: [{ gateway_id: A }, { gateway_id: B }] }), offers);
    expect(r.resources.map((e) => e.uri)).toEqual(['file:///readme.md']);
    expect(r.resourceTemplates.map((t) => t.uriTemplate)).toEqual(['page://{id}']);
    expect(r.resourceConflicts).toEqual([{ name: 'file:///shared.md', candidates: [`${A}/file:///shared.md`, `${B}/file:///shared.md`] }]);
  });

  it('matches include and exclude globs against URIs and URI templates, and resolves associated ids', () => {
    const r = resolveServer(spec({ resource_selectors: [{ gateway_id: A, include: ['page://*', 'file:///*'], exclude: ['*shared*'] }] }), offers);
    expect([...r.resources.map((e) => e.uri), ...r.resourceTemplates.map((t) => t.uriTemplate)]).toEqual(['file:///readme.md', 'page://{id}']);
    const byId = resolveServer(spec({ associated_resources: [resourceId(B, 'file:///shared.md'), resourceTemplateId(A, 'page://{id}')], associated_prompts: [promptId(B, 'review')] }), offers);
    expect(byId.resources.map((e) => [e.uri, e.gatewayId])).toEqual([['file:///shared.md', B]]);
    expect(byId.resourceTemplates.map((t) => t.uriTemplate)).toEqual(['page://{id}']);
    expect(byId.prompts.map((p) => p.name)).toEqual(['wiki-review']);
  });

  it('names resource and prompt selectors that matched nothing', () => {
    const r = resolveServer(spec({ resource_selectors: [{ gateway_id: B, include: ['nope://*'] }], prompt_selectors: [{ gateway_id: A, rename: { missing: 'x' } }] }), offers);
    expect(r.unmatched).toEqual([
      'prompt_selectors[0].rename "missing" matched no selected prompt of gateway docs',
      'resource_selectors[0].include[0] "nope://*" matched no resource of gateway wiki',
    ]);
  });
});
