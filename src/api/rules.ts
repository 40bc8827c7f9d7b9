/**
 * Cross-field rules written once and enforced twice: as CEL `x-kubernetes-validations` by
 * kube-apiserver (copied into the CRD by the generator) and as a TypeScript predicate by zod (so
 * `validate`, the dev directory source and tests reject the same resources offline).
 */
import type { z } from 'zod';

/** Kubernetes field error types a CEL rule may report (`ValidationRule.reason`). */
export type RuleReason =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueForbidden'
  | 'FieldValueDuplicate';

/** One rule, attached to the schema node that `self` refers to. */
export interface Rule<T> {
  /** CEL expression evaluated by kube-apiserver with `self` bound to the node. */
  readonly rule: string;
  /** Shown to the user by both enforcers; names the field and the problem, never a value. */
  readonly message: string;
  /** The child field the error is reported on, e.g. `'tokenUrl'`. Defaults to the node itself. */
  readonly field?: string;
  /** Kubernetes error type. Defaults to `FieldValueInvalid`. */
  readonly reason?: RuleReason;
  /** The same rule for zod: `true` when `self` satisfies it. */
  readonly holds: (self: T) => boolean;
}

/** The shape of one entry of `x-kubernetes-validations`. */
export interface CelValidation {
  rule: string;
  message: string;
  fieldPath?: string;
  reason?: RuleReason;
}

/** The CEL form of a rule, as written into the CRD. */
export function toCel(rule: Rule<never>): CelValidation {
  const cel: CelValidation = { rule: rule.rule, message: rule.message };
  if (rule.field !== undefined) cel.fieldPath = `.${rule.field}`;
  if (rule.reason !== undefined) cel.reason = rule.reason;
  return cel;
}

/**
 * Attaches `rules` to `schema`: zod checks each predicate after the node itself parsed (so defaults
 * are applied first, as kube-apiserver does before CEL runs), and the generator copies each CEL
 * string into the CRD at this node.
 */
export function withRules<S extends z.ZodType>(schema: S, rules: readonly Rule<z.output<S>>[]): S {
  const refined = schema.superRefine((self, ctx) => {
    for (const r of rules) {
      if (r.holds(self)) continue;
      ctx.addIssue({ code: 'custom', message: r.message, path: r.field === undefined ? [] : [r.field] });
    }
  });
  return refined.meta({ 'x-kubernetes-validations': rules.map((r) => toCel(r as Rule<never>)) }) as S;
}
