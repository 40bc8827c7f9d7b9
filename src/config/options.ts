/**
 * A command's options declared once: each entry's zod schema validates the flag, its default is the
 * schema's `.default()`, and the same table yields the `node:util` parseArgs spec, the zod object
 * and the `--help` lines (defaults included). Nothing about a flag is written twice.
 *
 * @example
 *   const table = defineOptions({ port: { arg: 'N', help: 'agent port', schema: z.coerce.number().default(4444) } });
 *   table.schema.parse({});   // { port: 4444 }
 *   helpLines(table);         // ['  --port N   agent port (default 4444)']
 */
import { z } from 'zod';

export interface OptionDef {
  /** Validates (and coerces) the flag's value; `.default()` is the documented default. */
  schema: z.ZodType;
  /** Placeholder of the value in help (`N`, `FILE`); absent for a boolean switch. */
  arg?: string;
  /** One line (or a few, joined with `\n`) saying what the option does. */
  help: string;
  /** The flag may be repeated; values collect into an array. */
  multiple?: boolean;
  /** Says the default in words where it is not a constant (`the pod's namespace`); else the schema's is printed. */
  defaultText?: string;
  /** Not a flag: set by the loader or by programmatic callers only (e.g. a secret that must stay out of `ps`). */
  internal?: boolean;
}

export type OptionTable = Record<string, OptionDef>;

export type ShapeOf<T extends OptionTable> = { [K in keyof T]: T[K]['schema'] };

export interface DefinedOptions<T extends OptionTable> {
  readonly table: T;
  /** The zod object of all options (flags and internal ones). */
  readonly schema: z.ZodObject<ShapeOf<T>>;
  /** The parseArgs spec of the flags (kebab-case), strict. */
  readonly spec: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;
}

/** `leaderElectionId` → `leader-election-id`. */
export const kebab = (camel: string): string => camel.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export function defineOptions<T extends OptionTable>(table: T): DefinedOptions<T> {
  const shape = Object.fromEntries(Object.entries(table).map(([k, d]) => [k, d.schema])) as ShapeOf<T>;
  const spec = Object.fromEntries(
    Object.entries(table)
      .filter(([, d]) => !d.internal)
      .map(([k, d]) => [kebab(k), { type: d.arg ? ('string' as const) : ('boolean' as const), ...(d.multiple ? { multiple: true } : {}) }]),
  );
  return { table, schema: z.object(shape), spec };
}

/** The schema's `.default()` value, if it has one (looked through optional/pipe wrappers). */
export function schemaDefault(schema: z.ZodType): unknown {
  let s: z.ZodType | undefined = schema;
  while (s) {
    if (s instanceof z.ZodDefault) return (s.def as { defaultValue: unknown }).defaultValue;
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodPipe) s = s.in as z.ZodType;
    else return undefined;
  }
  return undefined;
}

/** What help prints as an option's default, or undefined for none (false switches, empty lists). */
export function defaultOf(def: OptionDef): string | undefined {
  if (def.defaultText) return def.defaultText;
  const value = schemaDefault(def.schema);
  if (value === undefined || value === false || (Array.isArray(value) && value.length === 0)) return undefined;
  return String(value);
}

/**
 * The help lines of a table's flags, in declaration order: `  --flag ARG   help (default X)`, the
 * help column aligned; a multi-line help continues under its first line.
 */
export function helpLines(options: DefinedOptions<OptionTable>): string[] {
  const flags = Object.entries(options.table).filter(([, d]) => !d.internal);
  const heads = flags.map(([k, d]) => `  --${kebab(k)}${d.arg ? ` ${d.arg}` : ''}`);
  const width = Math.max(...heads.map((h) => h.length)) + 3;
  return flags.flatMap(([, d], i) => {
    const dflt = defaultOf(d);
    const text = d.help.split('\n');
    if (dflt !== undefined) {
      // The default closes the last line, or gets a line of its own where that line would run past 110 columns.
      const last = `${text.pop()!} (default ${dflt})`;
      text.push(...(width + last.length > 110 && text.length > 0 ? [last.slice(0, last.lastIndexOf(' (default')), `(default ${dflt})`] : [last]));
    }
    return [heads[i]!.padEnd(width) + text[0], ...text.slice(1).map((l) => ' '.repeat(width) + l)];
  });
}
