import { fuzz } from './fuzz.js';
const r = await fuzz(Number(process.argv[2]), 1);
console.log(JSON.stringify(r, null, 2));
