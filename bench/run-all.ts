// Runs every benchmark and prints its figures. `npm run bench`.
import { benchControlPlane } from './control-plane.bench.js';

console.log(`Tessera benchmarks — node ${process.version}, ${new Date().toISOString()}`);
await benchControlPlane();
