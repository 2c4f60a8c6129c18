// A processor that checks what the harness promises its children (no
// VITEST* variables, env, args, cwd, the crashTestChild() fields), exiting
// 3 with the broken promise on stderr otherwise.
import { existsSync } from 'node:fs';
import { realpathSync } from 'node:fs';
import { crashTestChild } from '../../../src/testing/index.js';

const child = crashTestChild();
const broken: string[] = [];
const vitest = Object.keys(process.env).filter((k) => k.startsWith('VITEST'));
if (vitest.length > 0) broken.push(`VITEST* passed on: ${vitest.join(', ')}`);
if (process.env.EXTRA !== 'yes') broken.push('env.EXTRA not passed on');
if (!process.argv.includes('--flag')) broken.push('args not passed on');
if (realpathSync(process.cwd()) !== realpathSync(process.env.EXPECT_CWD!)) {
  broken.push(`cwd is ${process.cwd()}`);
}
if (child.mode !== 'crash' && child.mode !== 'reference') {
  broken.push(`mode ${String(child.mode)}`);
}
if (!existsSync(child.dir)) broken.push('dir does not exist');
if (child.path('x') !== `${child.dir}/x`) broken.push('path() is not join');
if (child.key === '') broken.push('empty key');
if (child.seed !== 5) broken.push(`seed ${child.seed}`);
if (!Number.isSafeInteger(child.attempt)) broken.push('attempt');
if (broken.length > 0) {
  process.stderr.write(`${broken.join('\n')}\n`);
  process.exit(3);
}
for (let i = 0; i < 20; i++) {
  child.output({ entityId: 'e', timestamp: i, index: 0, value: i });
  await new Promise((resolve) => setTimeout(resolve, 5));
}
child.finish(new Map([['e', 20]]));
