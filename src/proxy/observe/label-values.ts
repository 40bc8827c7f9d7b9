/**
 * Bounded Prometheus label values. A label value an agent or an upstream can choose must not grow
 * the registry: every value is capped in length, and a label keeps at most `maxValues` distinct
 * values — later new ones all become `(other)`. Memory per label is therefore at most
 * `maxValues × maxLength` characters, whatever callers send (docs/security.md, "Bounded resources").
 */
import { createHash } from 'node:crypto';

/** The value of a tool label for a call that named no served tool (unknown, or refused before lookup). */
export const UNKNOWN_TOOL_LABEL = '(unknown)';
/** The value every new label value becomes once the label holds `maxValues` distinct ones. */
export const OTHER_LABEL = '(other)';
/** Longest label value kept whole; longer ones keep their head and a hash of the whole. */
export const MAX_LABEL_LENGTH = 128;

export class LabelValues {
  readonly #seen = new Set<string>();
  readonly #maxValues: number;

  constructor(maxValues: number) {
    this.#maxValues = maxValues;
  }

  /** `raw`, capped to `MAX_LABEL_LENGTH`; `(other)` when it would be a new value past the budget. */
  of(raw: string): string {
    const value = capped(raw);
    if (this.#seen.has(value)) return value;
    if (this.#seen.size >= this.#maxValues) return OTHER_LABEL;
    this.#seen.add(value);
    return value;
  }
}

/** `s` when short enough, else its first characters, `…` and 8 hex of its sha256 (distinct names stay distinct). */
export function capped(s: string): string {
  if (s.length <= MAX_LABEL_LENGTH) return s;
  const hash = createHash('sha256').update(s).digest('hex').slice(0, 8);
  return `${s.slice(0, MAX_LABEL_LENGTH - 10)}…${hash}`;
}
