/**
 * Turns the JSON Schema zod emits (target `openapi-3.0`, `io: 'input'`) into a Kubernetes structural
 * schema, and refuses what a CRD cannot hold instead of emitting a CRD the API server rejects.
 *
 * Removes: `$schema`; `additionalProperties: false` (zod's strict objects; kube-apiserver forbids
 * it and `kubectl apply` rejects unknown fields on its own); `propertyNames`; the ±2^53-1 bounds zod
 * puts on every integer; the `pattern` zod adds beside `format: date-time`.
 * Refuses (throws {@link StructuralSchemaError}): `oneOf`/`anyOf`/`allOf`/`not`, `$ref`, `const`,
 * `uniqueItems`, a node without `type`, a property without `description`.
 * Orders keys the same way every time so the generated YAML is stable and reads well.
 */

/** A JSON Schema node; loosely typed because zod's output is. */
export type SchemaNode = Record<string, unknown>;

/** Thrown when a zod schema cannot become a structural CRD schema; `path` names the node. */
export class StructuralSchemaError extends Error {
  readonly code = 'ERR_NOT_STRUCTURAL';
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`${path || '<root>'}: ${problem}`);
    this.name = 'StructuralSchemaError';
    this.path = path;
  }
}

const FORBIDDEN = ['oneOf', 'anyOf', 'allOf', 'not', '$ref', 'const', 'uniqueItems', '$defs', 'definitions'];
const SAFE_INT = Number.MAX_SAFE_INTEGER;

/** Preferred key order of a schema node; unknown keys follow, alphabetically. */
const KEY_ORDER = [
  'description', 'type', 'format', 'enum', 'default', 'nullable',
  'minimum', 'exclusiveMinimum', 'maximum', 'exclusiveMaximum',
  'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'minProperties', 'maxProperties',
  'required', 'properties', 'additionalProperties', 'items',
  'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type',
  'x-kubernetes-validations',
];

function orderKeys(node: SchemaNode): SchemaNode {
  const rank = (k: string) => {
    const i = KEY_ORDER.indexOf(k);
    return i === -1 ? KEY_ORDER.length : i;
  };
  const keys = Object.keys(node).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((k) => [k, node[k]]));
}

/**
 * Returns the structural form of `node` (not modified). `path` names the node in errors, e.g.
 * `spec.auth.oauth`; `describedBy` is true when the parent requires a description here.
 */
export function structuralize(node: SchemaNode, path = '', describedBy = false): SchemaNode {
  const out: SchemaNode = { ...node };
  delete out.$schema;
  delete out.propertyNames;
  if (out.additionalProperties === false) delete out.additionalProperties;
  for (const k of FORBIDDEN) {
    if (k in out) throw new StructuralSchemaError(path, `"${k}" is not allowed in a structural schema; flatten it and use a CEL rule`);
  }
  if (typeof out.type !== 'string') throw new StructuralSchemaError(path, 'every node needs a single "type"');
  if (describedBy && (typeof out.description !== 'string' || out.description === '')) {
    throw new StructuralSchemaError(path, 'every field needs a description (kubectl explain shows it)');
  }
  if (out.type === 'integer') {
    if (out.maximum === SAFE_INT) delete out.maximum;
    if (out.minimum === -SAFE_INT) delete out.minimum;
  }
  if (out.format === 'date-time') delete out.pattern;
  if (out.additionalProperties === true) {
    throw new StructuralSchemaError(path, 'additionalProperties: true is not structural; use x-kubernetes-preserve-unknown-fields');
  }
  if (isNode(out.properties)) {
    const props: SchemaNode = {};
    for (const [name, child] of Object.entries(out.properties)) {
      if (!isNode(child)) throw new StructuralSchemaError(`${path}.${name}`, 'is not a schema');
      props[name] = structuralize(child, path === '' ? name : `${path}.${name}`, true);
    }
    out.properties = props;
  }
  if (isNode(out.additionalProperties)) {
    out.additionalProperties = structuralize(out.additionalProperties, `${path}{*}`);
  }
  if (out.items !== undefined) {
    if (!isNode(out.items)) throw new StructuralSchemaError(`${path}[*]`, 'items must be a single schema');
    out.items = structuralize(out.items, `${path}[*]`);
  }
  return orderKeys(out);
}

function isNode(v: unknown): v is SchemaNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
