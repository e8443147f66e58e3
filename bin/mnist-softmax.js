#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by `npm ci` through prepare).
import module from 'node:module';

// Node.js 22.1 and later keep the modules' compiled code on disk (in the system's temporary
// folder), so that later starts skip compiling them; an older Node starts without.
module.enableCompileCache?.();
const { main } = await import('../dist/cli/main.js');

process.exitCode = await main(process.argv);
