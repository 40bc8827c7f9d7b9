import { validatePaths } from '../api/validate.ts';
import { UsageError } from '../config/flags.ts';

/** `mcp-gitops validate PATH...`: exit 0 when every manifest is valid, 1 otherwise. */
export async function run(argv: string[]): Promise<number> {
  const paths = argv.filter((a) => !a.startsWith('-'));
  const unknown = argv.filter((a) => a.startsWith('-'));
  if (unknown.length) throw new UsageError(`unknown flag ${unknown[0]}`);
  if (!paths.length) throw new UsageError('name at least one file or directory');
  const result = await validatePaths(paths);
  for (const line of result.lines) (result.ok ? console.log : console.error)(line);
  return result.ok ? 0 : 1;
}
