/**
 * The directory loop of `mcp-gitops dev`: every snapshot of the YAML directory, the first and each
 * change after it, goes to `apply`. A failed apply is printed as one line and changes nothing else;
 * the next change is applied as usual. `settled()` resolves when the apply in progress (or, if
 * none is, the next one) has ended: what callers and tests wait on.
 */
import { DirectorySource, type DevSnapshot, type FileProblems } from './directory-source.ts';

export interface ApplyLoop {
  settled(): Promise<void>;
  close(): Promise<void>;
}

export async function applyOnChange(dir: string, out: (line: string) => void, apply: (snapshot: DevSnapshot, problems: readonly FileProblems[]) => Promise<void>): Promise<ApplyLoop> {
  let waiters: Array<() => void> = [];
  const source = new DirectorySource(dir, {
    onChange: async (snapshot, problems) => {
      try {
        await apply(snapshot, problems);
      } catch (err) {
        out(`  ✗ applying ${dir} failed: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        const w = waiters;
        waiters = [];
        for (const resolve of w) resolve();
      }
    },
  });
  await source.start();
  return {
    settled: () => new Promise<void>((resolve) => waiters.push(resolve)),
    close: () => source.close(),
  };
}
