/**
 * The "before" of the scale benchmark: the proxy source of a baseline commit (default e6d0454, the
 * state before issue 14), extracted with `git archive` into test-output/ and run with this
 * checkout's node_modules, so before and after are measured side by side in one run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

export function extractBaseline(repoRoot: string, ref: string): string {
  const dir = join(repoRoot, 'test-output', `baseline-${ref}`);
  if (!existsSync(join(dir, 'src/proxy/start.ts'))) {
    mkdirSync(dir, { recursive: true });
    execFileSync('bash', ['-c', `git -C "${repoRoot}" archive "${ref}" src package.json | tar -x -C "${dir}"`], { stdio: 'inherit' });
  }
  if (!existsSync(join(dir, 'node_modules'))) symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}
