/**
 * Field schemas shared by both kinds: Kubernetes names, Secret key references, URLs, sets and
 * keyed lists. Each carries its own description so `kubectl explain` teaches it wherever it appears.
 */
import { z } from 'zod';
import { withRules } from './rules.ts';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A Kubernetes object name (RFC 1123 subdomain, at most 253 characters). */
export function objectName(description: string) {
  return z
    .string()
    .min(1)
    .max(253)
    .regex(DNS_SUBDOMAIN, 'must be a lowercase RFC 1123 subdomain (a-z, 0-9, "-" and ".")')
    .describe(description);
}

/** A namespace name (RFC 1123 label, at most 63 characters). */
export const NamespaceName = z
  .string()
  .min(1)
  .max(63)
  .regex(DNS_LABEL, 'must be a lowercase RFC 1123 label (a-z, 0-9 and "-")');

/** A reference to one key of a Secret in the resource's own namespace. */
export const SecretKeyRef = z
  .strictObject({
    name: objectName('Name of the Secret, in the same namespace as this resource.'),
    key: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[-._a-zA-Z0-9]+$/, 'must consist of alphanumerics, "-", "_" or "."')
      .describe('Key within the Secret whose value is used.'),
  })
  .describe('A key of a Secret in the same namespace. Secret values are never written inline.');
export type SecretKeyRef = z.infer<typeof SecretKeyRef>;

const URL_CEL =
  "isURL(self) && url(self).getScheme() in ['http', 'https'] && url(self).getHost() != ''";
const NO_USERINFO_CEL = "!self.matches('^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*@')";

function isHttpUrlWithHost(s: string): boolean {
  if (!URL.canParse(s)) return false;
  const u = new URL(s);
  return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
}

/** An absolute http(s) URL with a host and no embedded credentials (at most 2048 characters). */
export function httpUrl(description: string) {
  return withRules(z.string().min(1).max(2048), [
    {
      rule: URL_CEL,
      message: 'must be an absolute http or https URL with a host',
      holds: isHttpUrlWithHost,
    },
    {
      rule: NO_USERINFO_CEL,
      message: 'must not contain credentials (user:password@); reference a Secret in auth instead',
      holds: (s) => !/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*@/.test(s),
    },
  ]).describe(description);
}

/** An RFC 3339 timestamp, as metav1.Time serializes it. */
export function timestamp(description: string) {
  return z.iso.datetime({ offset: true }).describe(description);
}

/** A non-negative integer count. */
export function count(description: string) {
  return z.int().min(0).describe(description);
}

/**
 * A list whose items are unique (`x-kubernetes-list-type: set`): kube-apiserver rejects a
 * duplicate, and so does zod.
 */
export function setOf<T extends z.ZodType>(item: T, maxItems: number, description: string) {
  return z
    .array(item)
    .max(maxItems)
    .superRefine((items, ctx) => {
      const seen = new Set<unknown>();
      items.forEach((v, i) => {
        if (seen.has(v)) ctx.addIssue({ code: 'custom', message: 'duplicate entry', path: [i] });
        seen.add(v);
      });
    })
    .meta({ 'x-kubernetes-list-type': 'set' })
    .describe(description);
}

/**
 * A list of objects keyed by `key` (`x-kubernetes-list-type: map`): server-side apply merges
 * entries by key, and a duplicate key is rejected by kube-apiserver and by zod.
 */
export function mapListOf<T extends z.ZodObject>(item: T, key: string, maxItems: number, description: string) {
  return z
    .array(item)
    .max(maxItems)
    .superRefine((items, ctx) => {
      const seen = new Set<unknown>();
      items.forEach((v, i) => {
        const k = (v as Record<string, unknown>)[key];
        if (seen.has(k)) ctx.addIssue({ code: 'custom', message: `duplicate ${key}`, path: [i, key] });
        seen.add(k);
      });
    })
    .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': [key] })
    .describe(description);
}

/** A string-keyed map with at most `maxProperties` entries, enforced by kube-apiserver and by zod. */
export function mapOf<K extends z.ZodType<string>, V extends z.ZodType>(key: K, value: V, maxProperties: number) {
  return z
    .record(key, value)
    .refine((m) => Object.keys(m).length <= maxProperties, `must have at most ${maxProperties} entries`)
    .meta({ maxProperties });
}

/** Standard object metadata as the API server returns it; only name and namespace are checked. */
export const ObjectMeta = z.looseObject({
  name: objectName('Name of the resource.'),
  namespace: NamespaceName.optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.int().min(0).optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
});
export type ObjectMeta = z.infer<typeof ObjectMeta>;
