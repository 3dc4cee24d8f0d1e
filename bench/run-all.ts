// Runs benchmarks and prints their figures. `npm run bench` (all) or `npm run bench -- import [folder] [copies]`.
import { benchControlPlane } from './control-plane.bench.js';
import { benchImport } from './import.bench.js';
import { benchSearch } from './search.bench.js';
import { benchReadPath } from './read-path.bench.js';
import { benchDicomweb } from './dicomweb.bench.js';
import { benchAuthorization } from './authorization.bench.js';

const [which, ...rest] = process.argv.slice(2);
console.log(`Tessera benchmarks — node ${process.version}, ${new Date().toISOString()}`);
if (which === undefined || which === 'control-plane') await benchControlPlane();
if (which === undefined || which === 'import') await benchImport(rest[0], rest[1] !== undefined ? Number(rest[1]) : undefined);
if (which === undefined || which === 'read-path') await benchReadPath();
if (which === undefined || which === 'search') await benchSearch(rest[0] !== undefined ? Number(rest[0]) : undefined);
if (which === undefined || which === 'dicomweb') await benchDicomweb(rest[0] !== undefined ? Number(rest[0]) : undefined);
if (which === undefined || which === 'authorization') await benchAuthorization();
