// A processor that finishes at once: no kill can land on it.
import { crashTestChild } from '../../../src/testing/index.js';

const child = crashTestChild();
child.output({ entityId: 'e', timestamp: 1, index: 0, value: child.seed });
child.finish(new Map([['e', 1]]));
