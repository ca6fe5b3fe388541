// Kept only for paused-worker.test.ts, which is being changed elsewhere: import from
// test/support/cli-process.ts and test/support/until.ts instead, and delete this file once it does.
export { type CliProcess, startCli } from '../../support/cli-process.ts';
export { until } from '../../support/until.ts';
