#!/usr/bin/env node
// Entry point of the `fsbp` command; the TypeScript sources are built to dist/ by `npm ci` (prepare).
import '../dist/src/cli/entry.js';
