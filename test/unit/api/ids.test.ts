import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { gatewayId, serverId, slugify, toolId } from '../../../src/api/ids.ts';

describe('ids', () => {
  // Pinned: ids are stored in every proxy replica and in the vault's AAD; they must never change.
  it('gatewayId and serverId are stable, 32 lowercase hex, and differ by kind', () => {
    expect(gatewayId('mcp', 'atlassian-rovo')).toBe(
      createHash('sha256').update('mcp-gitops.dev/McpGateway/mcp/atlassian-rovo').digest('hex').slice(0, 32),
    );
    expect(gatewayId('mcp', 'atlassian-rovo')).toBe('e166471831941c77a52486a481ced6e0');
    expect(serverId('mcp', 'atlassian-rovo')).toBe('4b294804a231f525e8ea9fd384eedce0');
    expect(gatewayId('mcp', 'a')).toMatch(/^[0-9a-f]{32}$/);
    expect(serverId('mcp', 'a')).not.toBe(gatewayId('mcp', 'a'));
  });

  it('ids depend on the namespace', () => {
    expect(gatewayId('team-a', 'gw')).not.toBe(gatewayId('team-b', 'gw'));
  });

  it('toolId is stable per gateway and original name', () => {
    const gw = gatewayId('mcp', 'atlassian-rovo');
    expect(toolId(gw, 'getJiraIssue')).toBe('11ef7f7c7ef2b98781eb62496e8a8d9a');
    expect(toolId(gw, 'getJiraIssue')).not.toBe(toolId(gatewayId('mcp', 'other'), 'getJiraIssue'));
  });

  it.each([
    ['atlassian-rovo', 'atlassian-rovo'],
    ['searchJiraIssuesUsingJql', 'searchjiraissuesusingjql'],
    ['get_confluence_page', 'get-confluence-page'],
    ['  Weird__Name!!v2  ', 'weird-name-v2'],
    ['---', ''],
  ])('slugify(%j) = %j', (input, expected) => {
    expect(slugify(input)).toBe(expected);
  });
});
