/**
 * Savepoints under SIGKILL, on every backend of `crash-backends.ts` at once
 * (each in its own concurrent suite): see `crash-harness.ts`. One backend:
 * `npx vitest run test/crash -t Redis`.
 */
import { BACKENDS } from './crash-backends.js';
import { describeCrashTest } from './crash-harness.js';

for (const backend of Object.values(BACKENDS)) describeCrashTest(backend);
