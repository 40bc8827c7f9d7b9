// No silent failure (issue 9 #6): an error handler that drops the error (`.catch(() => {})`,
// `.catch(() => undefined)`, …) carries a comment — on its line or the line above — saying why
// dropping it is safe; otherwise the error is logged with a reason.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../../src');
const SWALLOW = /\.catch\(\(\) => (\{\s*\}|undefined|null|''|false|\[\])\)/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const isComment = (line: string | undefined) => line !== undefined && /^\s*(\/\/|\*|\/\*)/.test(line);

describe('swallowed errors', () => {
  it('each says why it is safe (a comment on its line or the line above)', () => {
    const silent = sources(SRC).flatMap((file) => {
      const lines = readFileSync(file, 'utf8').split('\n');
      return lines.flatMap((line, i) =>
        SWALLOW.test(line) && !line.slice(line.search(SWALLOW)).includes('//') && !isComment(lines[i - 1]) ? [`${relative(SRC, file)}:${i + 1}: ${line.trim()}`] : [],
      );
    });
    expect(silent).toEqual([]);
  });
});
