/**
 * What `mcp-gitops dev` prints so that a newcomer can call a tool at once: the tool names agents
 * see on a virtual server (with the upstream names they come from, since the default naming adds
 * the gateway's prefix), and a `tools/call` over MCP Streamable HTTP with curl that works when
 * pasted (initialize for a session id, then the call), plus the seed's `/tools/invoke` one-liner.
 * test/integration/dev/dev-mode.test.ts runs the printed commands.
 */
import type { ToolRead } from '../contract/wire.ts';

/** A JSON value for each required string argument, or undefined when a required argument is not a string. */
function sampleArguments(tool: ToolRead): Record<string, string> | undefined {
  const schema = tool.inputSchema as { required?: unknown; properties?: Record<string, { type?: unknown }> };
  const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : [];
  const args: Record<string, string> = {};
  for (const name of required) {
    if (schema.properties?.[name]?.type !== 'string') return undefined;
    args[name] = 'hello';
  }
  return args;
}

/** The tool to show a call of: the upstream's `echo` when served, else the first with string-only arguments. */
function exampleTool(tools: readonly ToolRead[]): { tool: ToolRead; args: Record<string, string> } | undefined {
  const ordered = [...tools.filter((t) => t.originalName === 'echo'), ...tools];
  for (const tool of ordered) {
    const args = sampleArguments(tool);
    if (args) return { tool, args };
  }
  return undefined;
}

/** Shell-quotes `s` in single quotes. */
function sq(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** Lines naming the tools and showing a pasteable call (`$MCP_TOKEN` holds the agent token). */
export function tryItLines(baseUrl: string, server: { id: string; name: string }, tools: readonly ToolRead[]): string[] {
  const lines: string[] = [];
  if (tools.length === 0) return [`Agents see no tools on ${server.name} yet (see the ✗ lines above).`];
  lines.push(`Tools agents see on ${server.name} (upstream name in parentheses where it differs):`);
  for (const t of tools) lines.push(`  ${t.name}${t.name === t.originalName ? '' : ` (${t.originalName})`}`);
  const example = exampleTool(tools);
  if (!example) return lines;
  const endpoint = `${baseUrl}/servers/${server.id}/mcp`;
  const headers = `-H "Authorization: Bearer $MCP_TOKEN" -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream'`;
  const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'curl', version: '1' } } };
  const call = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: example.tool.name, arguments: example.args } };
  lines.push('');
  lines.push(`Call ${example.tool.name} over MCP with curl (paste after the export above; the first request opens a session):`);
  lines.push(`  SID=$(curl -s -D - -o /dev/null -X POST ${endpoint} ${headers} -d ${sq(JSON.stringify(init))} | tr -d '\\r' | awk 'tolower($1) == "mcp-session-id:" { print $2 }')`);
  lines.push(`  curl -s -X POST ${endpoint} ${headers} -H "Mcp-Session-Id: $SID" -d ${sq(JSON.stringify(call))}`);
  lines.push('Or in one request, as the seed does (POST /tools/invoke):');
  lines.push(`  curl -s -X POST ${baseUrl}/tools/invoke -H "Authorization: Bearer $MCP_TOKEN" -H 'Content-Type: application/json' -d ${sq(JSON.stringify({ server_id: server.id, tool_name: example.tool.name, arguments: example.args }))}`);
  return lines;
}
