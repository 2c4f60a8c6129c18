/**
 * The crash harness of `runstate/testing`: {@link crashTest} in the test,
 * {@link crashTestChild} in the processor script it kills.
 *
 * @packageDocumentation
 */
export { crashTest, CrashTestError } from './crash-test.js';
export type { CrashTestReport } from './crash-test.js';
export type { CrashTestOptions } from './crash-options.js';
export { crashTestChild } from './crash-child.js';
export type { CrashChild, CrashOutput } from './crash-child.js';
