/**
 * Heap of this process after full garbage collection: what a hammer test compares before and after
 * (what stays reachable, not what awaits collection). Enables `gc()` at runtime when the process
 * was not started with `--expose-gc`.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** `heapUsed` in bytes after two full collections (the second frees what finalizers released). */
export async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 2; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

export const MiB = 1024 * 1024;
