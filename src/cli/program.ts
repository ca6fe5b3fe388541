import { Command } from 'commander';
import { registerAdmin, registerAdminApi } from './commands/admin.command.ts';
import { registerConfigCheck } from './commands/config-check.command.ts';
import { registerDemo } from './commands/demo.command.ts';
import { registerEvaluate } from './commands/evaluate.command.ts';
import { registerImport } from './commands/import.command.ts';
import { registerKeys } from './commands/keys.command.ts';
import { registerRun } from './commands/run.command.ts';
import { registerSandbox } from './commands/sandbox.command.ts';
import { registerTrain } from './commands/train.command.ts';
import { registerWorker } from './commands/worker.command.ts';

/** The `pipeline-health` command tree. Only commands that work are registered. */
export function buildProgram(): Command {
  const program = new Command()
    .name('pipeline-health')
    .description('Leading-indicator pipeline health scores for HubSpot and Salesforce deals.')
    .showHelpAfterError()
    .version('0.1.0');
  registerDemo(program);
  registerRun(program);
  registerWorker(program);
  registerSandbox(program);
  registerConfigCheck(program);
  registerAdmin(program);
  registerAdminApi(program);
  registerTrain(program);
  registerEvaluate(program);
  registerImport(program);
  registerKeys(program);
  return program;
}
