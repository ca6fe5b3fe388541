import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const MAIN = resolve(import.meta.dirname, '../../../src/cli/main.ts');

/**
 * Preloaded into the CLI process: records every module the CLI resolves (Node's synchronous
 * module hooks) and writes the list to $PH_MODULE_LOG on exit.
 */
const RECORDER = `
import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const seen = new Set();
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.add(r.url); return r; } });
process.on('exit', () => writeFileSync(process.env.PH_MODULE_LOG, [...seen].join('\\n')));
`;

async function cli(args: string[], options: { record?: boolean } = {}) {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
  const flags: string[] = [];
  let log: string | undefined;
  if (options.record) {
    const dir = mkdtempSync(join(tmpdir(), 'ph-cli-modules-'));
    const hook = join(dir, 'record.mjs');
    writeFileSync(hook, RECORDER);
    log = join(dir, 'modules.txt');
    env.PH_MODULE_LOG = log;
    flags.push('--import', hook);
  }
  let result: { code: number; stdout: string; stderr: string };
  try {
    const { stdout, stderr } = await run(process.execPath, [...flags, MAIN, ...args], { env });
    result = { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    result = { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
  const modules = log === undefined ? [] : readFileSync(log, 'utf8').split('\n');
  return { ...result, modules };
}

/** Packages (under node_modules) among the resolved module URLs. */
function packagesOf(modules: string[]): string[] {
  const names = new Set<string>();
  for (const url of modules) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m?.[1]) names.add(m[1]);
  }
  return [...names].sort();
}

describe('pipeline-health command line', () => {
  it('--version and --help load no command module and no dependency but commander', async () => {
    const version = await cli(['--version'], { record: true });
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe('0.1.0');
    expect(packagesOf(version.modules)).toEqual(['commander']);
    expect(version.modules.filter((u) => u.includes('/src/cli/commands/'))).toEqual([]);

    const help = await cli(['--help'], { record: true });
    expect(help.code).toBe(0);
    expect(packagesOf(help.modules)).toEqual(['commander']);
    for (const name of [
      'demo',
      'run',
      'worker',
      'sandbox',
      'config',
      'admin',
      'api',
      'train',
      'evaluate',
      'import',
    ]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    }
  });

  // Three processes that each load a whole command: sized for a loaded 2-core machine.
  it("each command's own help comes from its module (options included)", { timeout: 120_000 }, async () => {
    const run = await cli(['run', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: pipeline-health run [options]');
    expect(run.stdout).toContain('--tenant <id>');
    const viaHelp = await cli(['help', 'config']);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toContain('check [options]');
    const nested = await cli(['api', 'schedule', '--help']);
    expect(nested.stdout).toContain('--nightly <cron>');
  });

  it('usage errors exit 2 (nothing was attempted) with the error on stderr', async () => {
    const unknownOption = await cli(['config', 'check', '--bogus']);
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toContain("unknown option '--bogus'");
    const missing = await cli(['run']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--tenant <id>' not specified");
    const unknownCommand = await cli(['nosuch']);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain("unknown command 'nosuch'");
  });
});
