import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { z } from 'zod';

/** A command line that cannot be run as given; the CLI prints it with the command's help, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Parses `argv` with `node:util` parseArgs (strict: unknown flags are errors), then validates the
 * values once with `schema`, so every command works with one typed, checked options object.
 * Flag names are kebab-case on the command line and camelCase in the result.
 */
export function parseFlags<S extends z.ZodType>(
  argv: string[],
  options: NonNullable<ParseArgsConfig['options']>,
  schema: S,
): { flags: z.output<S>; positionals: string[] } {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const camel = Object.fromEntries(
    Object.entries(parsed.values).map(([k, v]) => [k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), v]),
  );
  const result = schema.safeParse(camel);
  if (!result.success) {
    const problems = result.error.issues.map((i) => {
      const flag = i.path.length ? `--${String(i.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : 'flags';
      return `${flag}: ${i.message}`;
    });
    throw new UsageError(problems.join('; '));
  }
  return { flags: result.data, positionals: parsed.positionals };
}
