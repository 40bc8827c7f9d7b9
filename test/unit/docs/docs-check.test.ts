/**
 * Docs that check themselves (issue 9 #7): README.md and docs/*.md link only to files that exist,
 * name only source paths that exist, and mention only CLI flags the code has, with the defaults the
 * code has (the option tables in src/config/ and src/operator/options.ts, which --help prints).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { devOptions } from '../../../src/config/dev.ts';
import { keysOptions } from '../../../src/config/keys.ts';
import { defaultOf, kebab, type DefinedOptions, type OptionTable } from '../../../src/config/options.ts';
import { proxyOptions } from '../../../src/config/proxy.ts';
import { tokenOptions } from '../../../src/config/token.ts';
import { operatorOptions } from '../../../src/operator/options.ts';

const ROOT = join(import.meta.dirname, '../../..');
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const text = (doc: string) => readFileSync(join(ROOT, doc), 'utf8');

/** Flags of other tools the docs show in commands (kubectl, podman, the Inspector, kube-apiserver, etcd). */
const OTHER_TOOLS_FLAGS = new Set([
  'admin', 'advertise-address', 'as', 'authorization-mode', 'cli', 'cpu-prof', 'enable-source-maps', 'expose-gc', 'heapsnapshot-signal', 'max-old-space-size', 'max-semi-space-size', 'optimize-for-size', 'disable-admission-plugins', 'exp', 'feature-gates', 'for', 'from-file', 'header', 'isolation',
  'method', 'patch-file', 'rm', 'secret', 'server-side', 'service-cluster-ip-range', 'transport', 'type', 'ulimit', 'unsafe-no-fsync',
]);

const TABLES: DefinedOptions<OptionTable>[] = [devOptions, proxyOptions, operatorOptions, keysOptions, tokenOptions];
/** Every flag of every command → the defaults it has in the commands that take it. */
const FLAGS = new Map<string, Set<string | undefined>>([['help', new Set()], ['version', new Set()]]);
for (const t of TABLES) {
  for (const [name, def] of Object.entries(t.table)) {
    if (def.internal) continue;
    const defaults = FLAGS.get(kebab(name)) ?? new Set();
    defaults.add(defaultOf(def));
    FLAGS.set(kebab(name), defaults);
  }
}

/** Markdown link targets that are paths in this repository (no scheme, no bare anchor). */
function relativeLinks(doc: string): string[] {
  return [...text(doc).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((m) => m[1]!.split('#')[0]!)
    .filter((target) => target !== '' && !/^[a-z][a-z+.-]*:/i.test(target));
}

describe('docs that check themselves', () => {
  it('link only to files that exist', () => {
    const dead = DOCS.flatMap((doc) => relativeLinks(doc).filter((target) => !existsSync(join(ROOT, dirname(doc), decodeURI(target)))).map((t) => `${doc} -> ${t}`));
    expect(dead).toEqual([]);
  });

  it('name only source files that exist (`src/…`, `test/…`, `manifests/…`, …)', () => {
    const missing = DOCS.flatMap((doc) =>
      [...text(doc).matchAll(/`((?:src|test|docs|manifests|examples|crds)\/[A-Za-z0-9_./-]+)`/g)]
        .map((m) => m[1]!)
        .filter((path) => !existsSync(join(ROOT, path)))
        .map((path) => `${doc}: ${path}`),
    );
    expect(missing).toEqual([]);
  });

  it('mention only CLI flags the code has', () => {
    const unknown = DOCS.flatMap((doc) =>
      [...text(doc).matchAll(/(?:^|[\s`(['"])--([a-z][a-z0-9-]+)/gm)]
        .map((m) => m[1]!)
        .filter((flag) => !FLAGS.has(flag) && !OTHER_TOOLS_FLAGS.has(flag))
        .map((flag) => `${doc}: --${flag}`),
    );
    expect([...new Set(unknown)]).toEqual([]);
  });

  it('give the defaults the code has, where they say "`--flag` (value)" or "(default value)"', () => {
    const checked: string[] = [];
    const wrong = DOCS.flatMap((doc) =>
      [...text(doc).matchAll(/`--([a-z][a-z0-9-]+)` \((?:default )?(`[^`]+`|\d[\d.]*)(?: s)?[,;)]/g)].flatMap((m) => {
        const [flag, value] = [m[1]!, m[2]!.replace(/`/g, '')];
        checked.push(flag);
        const defaults = FLAGS.get(flag);
        return defaults && !defaults.has(value) ? [`${doc}: --${flag} documented as ${value}, the code's default is ${[...defaults].join(' or ')}`] : [];
      }),
    );
    expect(wrong).toEqual([]);
    expect(checked).toContain('progress-interval'); // the pattern still finds what it is meant to
  });
});

describe('docs/architecture.md', () => {
  const arch = text('docs/architecture.md');

  it('is linked from the README', () => {
    expect(text('README.md')).toContain('(docs/architecture.md)');
  });

  it('maps every folder of src/ in one line', () => {
    const folders = (dir: string): string[] =>
      readdirSync(join(ROOT, dir), { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .flatMap((e) => [`${dir}/${e.name}/`, ...folders(`${dir}/${e.name}`)]);
    const unmapped = folders('src').filter((f) => !new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\s`, 'm').test(arch));
    expect(unmapped).toEqual([]);
  });
});
