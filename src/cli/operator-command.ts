/** `mcp-gitops operator`: wired once the operator's runner lands (src/operator/run.ts). */
export async function run(_argv: string[]): Promise<number> {
  throw new Error('the operator command is not wired yet');
}
