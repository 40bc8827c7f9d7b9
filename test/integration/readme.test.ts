/**
 * The README is the front door: its run command must start the embedded default exactly as
 * written, and the MCP Inspector command it prints must work as pasted. (Its test command is what
 * .ci/run runs.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { connectAgent } from '../support/mcp-agent.ts';

const readme = readFileSync('README.md', 'utf8');
let child: ChildProcess | undefined;

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
});

/** The shell commands of the README's quick start, in order. */
function quickStartCommands(): string[] {
  const block = /```bash\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  return block
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter(Boolean);
}

describe('README quick start', () => {
  it('names one command that runs the embedded default and one that runs the tests', () => {
    const commands = quickStartCommands();
    expect(commands).toEqual(['npm ci && npm start', 'npm ci && npm test']);
  });

  it('`npm start` serves the example virtual server, and the printed Inspector command works as pasted', async () => {
    // `npm ci` has run already (this suite runs inside `npm test`); run the rest exactly as written.
    const start = quickStartCommands()[0]!.split('&&')[1]!.trim();
    child = spawn('bash', ['-c', start], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '' } });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
    await expect.poll(() => out, { timeout: 60_000, interval: 200 }).toContain('--method tools/list');

    const endpoint = /Agent endpoint \([^)]*\): (\S+)/.exec(out)?.[1];
    const token = /export MCP_TOKEN=(\S+)/.exec(out)?.[1];
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:4444\/servers\/[0-9a-f]{32}\/mcp$/);
    expect(token).toBeTruthy();

    const agent = await connectAgent(endpoint!, token!);
    const tools = (await agent.listTools()).tools.map((t) => t.name);
    await agent.close();
    expect(tools).toContain('add');

    // The Inspector command as printed (two lines joined by the backslash), run by a shell.
    const inspector = /(npx @modelcontextprotocol\/inspector[^\n]*\\\n[^\n]*)/.exec(out)?.[1];
    expect(inspector).toBeTruthy();
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const p = spawn('bash', ['-c', `export MCP_TOKEN=${token}\n${inspector}`], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      p.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      p.on('exit', (code) => resolve({ code, stdout }));
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).tools.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(tools));
  }, 120_000);
});
