#!/usr/bin/env node
// Composition root: the only place that wires real dependencies together.
import { runCli } from './program.ts';

await runCli(process.argv);
