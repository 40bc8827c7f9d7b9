/** Small statistics for the scale benchmark: percentiles, medians, the machine's load. */
import { cpus, loadavg } from 'node:os';

export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((q / 100) * sorted.length))]!;
}

export const median = (xs: readonly number[]): number => percentile(xs, 50);

/** "load 3.1 / 2.8 / 2.5 on 2 CPUs" — printed with every table, since other work shares the cores. */
export function machineLoad(): string {
  const [a, b, c] = loadavg().map((x) => x.toFixed(1));
  return `load average ${a} / ${b} / ${c} on ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'})`;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const KiB = 1024;
export const MiB = 1024 * 1024;
