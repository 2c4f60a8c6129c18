import { defineConfig } from 'vitest/config';

// Examples import the package by name ('runstate', 'runstate/sqlite'…), as
// users do; the `runstate-source` export condition maps those to src/. The
// rest are Vite's default server conditions but `module`, a bundlers' one:
// Node never uses it, and packages such as @opentelemetry/api point it at
// builds Node cannot load (extensionless imports).
const conditions = ['runstate-source', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Crash tests spawn child processes; keep parallelism modest on 2 cores.
    maxWorkers: 2,
    // Process tests time real children against TTLs and deadlines; a busy
    // 2-core machine starved one of them (lease SIGSTOP on Postgres, example
    // 09) in 1 of 3 CI rehearsals. One retry; a real failure fails twice.
    retry: 1,
  },
});
