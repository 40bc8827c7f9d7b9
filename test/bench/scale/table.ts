/** The scale benchmark's one table (markdown), with the goal beside each figure and the run's conditions. */
import { cpus } from 'node:os';

export interface Row {
  section: string;
  what: string;
  goal: string;
  before: string;
  after: string;
  /** undefined = nothing to meet (a figure reported for information). */
  met?: boolean | undefined;
}

export function renderTable(rows: Row[], loads: string[], run: { baseline: string; sessions: number; users: number; hop: { latencyCalls: number; rounds: number; roundSeconds: number } }): string {
  const lines = [
    `# bench:scale — ${new Date().toISOString()}`,
    '',
    `Node ${process.version}, ${cpus().length} CPUs; before = ${run.baseline}, after = this checkout, same run.`,
    `Hop: ${run.hop.latencyCalls} sequential calls per target in alternating batches of 100; throughput = median of ${run.hop.rounds} rounds of ${run.hop.roundSeconds} s per target, order rotating.`,
    `Machine load during the run: ${loads.join('; ')}.`,
    '',
    '| | what | goal | before | after | met |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.section} | ${r.what} | ${r.goal} | ${r.before} | ${r.after} | ${r.met === undefined ? '' : r.met ? 'yes' : '**no**'} |`),
    '',
  ];
  return lines.join('\n');
}
