// A processor that is ready, then never ends: crashTest must fail it as hung.
import { crashTestChild } from '../../../src/testing/index.js';

crashTestChild();
setInterval(() => {}, 1_000);
