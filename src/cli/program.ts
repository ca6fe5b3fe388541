import { Command, CommanderError } from 'commander';
import { EXIT } from './run-command.ts';

type Register = (program: Command) => void;

/** A top-level command: its name and one-line summary for `--help`, and the module defining the rest. */
interface LazyCommand {
  name: string;
  summary: string;
  load: () => Promise<Register>;
}

/**
 * Every top-level command. A command's module (and so its dependencies: BullMQ, Fastify, the CRM
 * SDKs, ...) loads only when that command runs: `--version` and `--help` load none of them.
 * Only commands that work are listed.
 */
const COMMANDS: readonly LazyCommand[] = [
  {
    name: 'demo',
    summary: 'run the product on the embedded CRM sandbox with realistic data (no credentials needed)',
    load: async () => (await import('./commands/demo.command.ts')).registerDemo,
  },
  {
    name: 'run',
    summary: 'run one cycle for a tenant now, wait for it and print the summary',
    load: async () => (await import('./commands/run.command.ts')).registerRun,
  },
  {
    name: 'worker',
    summary: 'run the queue workers and tenant schedules until stopped (SIGTERM: graceful)',
    load: async () => (await import('./commands/worker.command.ts')).registerWorker,
  },
  {
    name: 'sandbox',
    summary: 'run the embedded HubSpot or Salesforce sandbox with generated data until stopped',
    load: async () => (await import('./commands/sandbox.command.ts')).registerSandbox,
  },
  {
    name: 'config',
    summary: 'configuration commands (config check)',
    load: async () => (await import('./commands/config-check.command.ts')).registerConfigCheck,
  },
  {
    name: 'connect',
    summary: "check a tenant's CRM connection, permissions, fields and quota without writing (connect check)",
    load: async () => (await import('./commands/connect-check.command.ts')).registerConnectCheck,
  },
  {
    name: 'admin',
    summary: 'serve the admin HTTP API (and run the workers and schedules unless --no-workers)',
    load: async () => (await import('./commands/admin.command.ts')).registerAdmin,
  },
  {
    name: 'api',
    summary: 'call a running admin server: tenants, schedules, run now, status, explain, model report',
    load: async () => (await import('./commands/api.command.ts')).registerAdminApi,
  },
  {
    name: 'keys',
    summary: 'encryption key operations (keys rotate: re-encrypt every tenant under a new key)',
    load: async () => (await import('./commands/keys.command.ts')).registerKeys,
  },
  {
    name: 'train',
    summary: "fit the tenant's win model from its stored closed deals and print the quality report",
    load: async () => (await import('./commands/train.command.ts')).registerTrain,
  },
  {
    name: 'evaluate',
    summary: "cross-validate the win model on the tenant's stored closed deals (changes nothing)",
    load: async () => (await import('./commands/evaluate.command.ts')).registerEvaluate,
  },
  {
    name: 'import',
    summary: 'load a CRM export (CSV) into a sandbox world file, for demo/sandbox --world',
    load: async () => (await import('./commands/import.command.ts')).registerImport,
  },
];

function root(): Command {
  return new Command()
    .name('pipeline-health')
    .description('Leading-indicator pipeline health scores for HubSpot and Salesforce deals.')
    .showHelpAfterError()
    .version('0.1.0')
    .exitOverride((err) => {
      throw err;
    });
}

/**
 * The `pipeline-health` command tree. Each command is a stand-in until it runs: it then loads its
 * module, which registers the real command (options, arguments, sub-commands, help) on a fresh
 * program, and that program parses the command line again.
 */
function buildProgram(argv: readonly string[]): Command {
  const program = root().helpCommand(false);
  const runReal = async (command: LazyCommand, args: readonly string[]) => {
    const real = root();
    (await command.load())(real);
    real.commands.find((c) => c.name() === command.name)?.summary(command.summary);
    await real.parseAsync(args as string[]);
  };
  for (const command of COMMANDS) {
    program
      .command(command.name)
      .summary(command.summary)
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .action(() => runReal(command, argv));
  }
  // `help <command>` is `<command> --help`, which only the loaded command can answer.
  program
    .command('help [command]')
    .summary('display help for command')
    .action(async (name: string | undefined) => {
      const command = COMMANDS.find((c) => c.name === name);
      if (command === undefined) return program.help({ error: name !== undefined });
      await runReal(command, [...argv.slice(0, 2), command.name, '--help']);
    });
  return program;
}

/** Parse and run a command line; usage errors (unknown option, missing argument) exit 2, like bad configuration. */
export async function runCli(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram(argv).parseAsync(argv as string[]);
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.config;
  }
}
