// Configuration is read in one place (issue 9 #5): the environment only in src/config/env.ts; every
// other module gets its values from its process's loaded config.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../../src');
const THE_READER = 'config/env.ts';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('configuration', () => {
  it(`is read from the environment only in src/${THE_READER}`, () => {
    const readers = sources(SRC)
      .map((f) => relative(SRC, f))
      .filter((f) => f !== THE_READER && /\bprocess\.env\b/.test(readFileSync(join(SRC, f), 'utf8')));
    expect(readers).toEqual([]);
  });
});
