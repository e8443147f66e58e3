import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Two tiers (docs: "Tests"). `unit`, test/*.test.ts (`npm test`): the code in this process, on
// real MNIST, no other process or browser; files in parallel, one worker per core. `e2e`,
// test/e2e/*.test.ts (`npm run test:e2e`): the CLI as a process, signals, kill -9, the browser,
// long runs, the package installed; one file at a time, since its tests time processes and
// signals. `npx vitest run <file>` runs a file of either tier.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/*.test.ts'],
          // a worker per core (vitest's default is one less: a single worker on 2 cores)
          maxWorkers: availableParallelism(),
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          fileParallelism: false,
        },
      },
    ],
  },
});
