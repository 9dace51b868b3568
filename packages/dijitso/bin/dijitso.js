#!/usr/bin/env node
// The `dijitso` command: a thin shell over the package's APIs (see src/cli/main.ts).
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
