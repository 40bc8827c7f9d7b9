/**
 * Times in plain words ("in 59 minutes", "3 hours ago") next to the exact UTC time, rendered on
 * the server (the page runs no script).
 */

const UNITS: Array<[limitSeconds: number, seconds: number, singular: string]> = [
  [90, 1, 'second'],
  [90 * 60, 60, 'minute'],
  [36 * 3600, 3600, 'hour'],
  [Infinity, 86400, 'day'],
];

/** "in 5 minutes", "5 minutes ago", "just now". */
export function relativeTime(at: number, now: number): string {
  const delta = Math.round((at - now) / 1000);
  const abs = Math.abs(delta);
  if (abs < 10) return 'just now';
  const [, seconds, unit] = UNITS.find(([limit]) => abs < limit)!;
  const n = Math.round(abs / seconds);
  const phrase = `${n} ${unit}${n === 1 ? '' : 's'}`;
  return delta > 0 ? `in ${phrase}` : `${phrase} ago`;
}

/** "2026-11-25 17:42 UTC". */
export function utcTime(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
