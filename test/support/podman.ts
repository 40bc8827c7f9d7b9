/**
 * podman on the project's image storage, through hack/image/podman.sh (which adds this machine's
 * runtime flags to `run` and `create`), and the image that hack/image/build.sh builds.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `hack/image/podman.sh …args`; never throws on a non-zero exit (read `code`). */
export async function podman(args: readonly string[], timeoutMs = 60_000): Promise<Result> {
  try {
    const { stdout, stderr } = await run(`${REPO}hack/image/podman.sh`, args, { timeout: timeoutMs, maxBuffer: 256 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? String(e) };
  }
}

/** Like {@link podman}, but throws with podman's stderr on a non-zero exit and returns stdout. */
export async function podmanOk(args: readonly string[], timeoutMs?: number): Promise<string> {
  const r = await podman(args, timeoutMs);
  if (r.code !== 0) throw new Error(`podman ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
  return r.stdout;
}

/**
 * Builds the image (cached layers: seconds when nothing changed) and returns its reference, as
 * `hack/image/build.sh` prints it. `npm test` builds it before vitest starts, so this is a no-op there.
 */
export async function buildImage(): Promise<string> {
  const { stdout } = await run(`${REPO}hack/image/build.sh`, [], { timeout: 20 * 60_000, maxBuffer: 64 << 20 });
  return stdout.trim().split('\n').at(-1)!;
}
