#!/usr/bin/env node
// Composition root: the only place that wires real dependencies together.
import { buildProgram } from './program.ts';

await buildProgram().parseAsync(process.argv);
