/**
 * The CLI's help is its configuration reference, and the README carries it: every flag a command
 * accepts is documented in its help, and the README's CLI reference is the help as printed.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { devFlagSpec } from '../../../src/config/dev.ts';
import { devHelp, operatorHelp, proxyHelp } from '../../../src/cli/help.ts';
import { proxyFlagSpec } from '../../../src/config/proxy.ts';
import { operatorFlagSpec } from '../../../src/operator/options.ts';

const commands = { dev: [devFlagSpec, devHelp], proxy: [proxyFlagSpec, proxyHelp], operator: [operatorFlagSpec, operatorHelp] } as const;

describe('CLI reference', () => {
  for (const [name, [spec, help]] of Object.entries(commands)) {
    it(`mcp-gitops ${name} --help documents every flag it accepts`, () => {
      const missing = Object.keys(spec).filter((flag) => !new RegExp(`--${flag}\\b`).test(help));
      expect(missing).toEqual([]);
    });
  }

  it("the README's CLI reference is each command's --help", async () => {
    const { commands } = await import('../../../src/cli/commands.ts');
    const readme = readFileSync('README.md', 'utf8');
    for (const [name, command] of Object.entries(commands)) {
      expect(readme, `README.md lacks the current 'mcp-gitops ${name} --help'; paste it under "CLI reference"`).toContain(
        `### \`mcp-gitops ${name}\`\n\n\`\`\`text\n${command.help}\n\`\`\``,
      );
    }
  });

  it('--help prints that help (one command run as a process: the wiring is the same for all)', async () => {
    const { commands } = await import('../../../src/cli/commands.ts');
    const printed = execFileSync(process.execPath, ['src/cli.ts', 'operator', '--help'], { encoding: 'utf8' }).trimEnd();
    expect(printed).toBe(commands.operator.help);
  }, 120_000);
});
