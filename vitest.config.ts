import { defineConfig } from 'vitest/config';

// Examples import the package by name ('runstate', 'runstate/sqlite'…), as
// users do; the `runstate-source` export condition maps those to src/. The
// rest are Vite's default server conditions but `module`, a bundlers' one:
// Node never uses it, and packages such as @opentelemetry/api point it at
// builds Node cannot load (extensionless imports).
const conditions = ['runstate-source', 'node', 'development|production'];

/**
 * Tests that time real child processes against lease TTLs (SIGKILL and
 * SIGSTOP takeovers, 4 worker processes, the examples that kill a child).
 * They run after every other test, one file at a time, so no other test
 * file starves their lease renewals of CPU on a 2-core machine (that did,
 * in 1 of 3 CI rehearsals, when they ran among the rest).
 */
const TIMED = [
  'test/lease/process/**/*.test.ts',
  'test/worker/process/**/*.test.ts',
  'test/examples/examples.test.ts',
];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'parallel',
          include: ['test/**/*.test.ts'],
          exclude: TIMED,
          // Crash tests spawn child processes; modest parallelism on 2 cores.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'timed',
          include: TIMED,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
