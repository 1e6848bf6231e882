#!/usr/bin/env node
// Entry point of the `fsbp` command; the TypeScript sources are built to dist/ by `npm ci` (prepare).
import { runCli } from '../dist/src/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
