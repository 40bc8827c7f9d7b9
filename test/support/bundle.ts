/**
 * The image's bundle, built the way the Dockerfile builds it: checkout `root`'s own `build:bundle`
 * script (esbuild), written to `dir` instead of `root/dist`. Running `node <dir>/cli.js <command>` is
 * running the image's code without the image: no TypeScript stripping at run time (which alone costs
 * ~17 MiB RSS), and with the same code splitting, so a command loads only its own chunks.
 *
 * Older checkouts (a baseline commit in a benchmark) bundled to one file with `--outfile`; both forms
 * are handled. Source maps are left out unless asked for: the image runs without them. `metafile`:
 * where esbuild writes which sources went into which output file.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function buildBundle(root: string, dir: string, options: { sourcemap?: boolean; metafile?: string } = {}): string {
  const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  let script = scripts['build:bundle'];
  if (!script) throw new Error(`${root}/package.json has no build:bundle script`);
  mkdirSync(dir, { recursive: true });
  const entry = join(dir, 'cli.js');
  script = script.replace(/--outfile=\S+/, `--outfile=${entry}`).replace(/--outdir=\S+/, `--outdir=${dir}`);
  if (!options.sourcemap) script = script.replace(/--sourcemap\S*/, '');
  if (options.metafile) script += ` --metafile=${options.metafile}`;
  execFileSync('sh', ['-c', script], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH}` } });
  return entry;
}
