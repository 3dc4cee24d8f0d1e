// Import rules of ARCHITECTURE.md, checked by `npm test`.
/** @type {import('dependency-cruiser').IConfiguration} */
const feature = '(datastores|image-sets|import-jobs|tagging|dicomweb)';
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'leaf-layers-import-nothing',
      comment: 'config/, api/ and dicom/ import nothing else from src/',
      severity: 'error',
      from: { path: '^src/(config|api|dicom)/' },
      to: { path: '^src/', pathNot: ['^src/$1/'] },
    },
    {
      name: 'codec-only-dicom',
      severity: 'error',
      from: { path: '^src/codec/' },
      to: { path: '^src/', pathNot: ['^src/(codec|dicom)/'] },
    },
    {
      name: 'features-use-each-other-through-index',
      comment: 'a feature reaches another feature only through its index.ts',
      severity: 'error',
      from: { path: `^src/${feature}/` },
      to: { path: `^src/${feature}/`, pathNot: ['^src/$1/', `^src/${feature}/index\\.(ts|js)$`] },
    },
    {
      name: 'feature-direction',
      comment: 'dicomweb → import-jobs → image-sets → datastores; tagging → both; never back',
      severity: 'error',
      from: { path: '^src/(datastores)/' },
      to: { path: '^src/(image-sets|import-jobs|tagging|dicomweb)/' },
    },
    {
      name: 'image-sets-not-upwards',
      severity: 'error',
      from: { path: '^src/image-sets/' },
      to: { path: '^src/(import-jobs|tagging|dicomweb)/' },
    },
    {
      name: 'import-jobs-not-upwards',
      comment: 'DICOMweb (STOW-RS) uses the import pipeline, never the other way round',
      severity: 'error',
      from: { path: '^src/import-jobs/' },
      to: { path: '^src/dicomweb/' },
    },
    {
      name: 'features-see-ports-not-adapters',
      comment: 'only app.ts imports adapters (db/, blobs/filesystem, blobs/s3) and http/',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(app|main)\\.ts$', '^src/db/', '^src/blobs/', '^src/http/', '\\.test\\.ts$', '\\.contract\\.ts$'] },
      to: { path: ['^src/db/', '^src/blobs/(filesystem|s3)/', '^src/http/'] },
    },
    {
      name: 'nothing-imports-http',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(app|main)\\.ts$', '^src/http/'] },
      to: { path: '^src/http/' },
    },
    {
      name: 'third-party-homes',
      comment: 'each third-party package has one home folder',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/http/', '\\.test\\.ts$'] },
      to: { path: 'node_modules/(fastify|@fastify|pino)/' },
    },
    {
      name: 'prom-client-home',
      comment: 'metrics/ (and the HTTP edge) only; its types stay out of exported signatures',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(metrics|http)/', '\\.test\\.ts$'] },
      to: { path: 'node_modules/prom-client/' },
    },
    {
      name: 'sqlite-home',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/db/sqlite/', '\\.test\\.ts$'] },
      to: { path: 'node_modules/better-sqlite3/' },
    },
    {
      name: 'no-test-code-in-production',
      severity: 'error',
      from: { path: '^src/', pathNot: ['\\.test\\.ts$', '\\.contract\\.ts$', '\\.fixture\\.ts$', '\\.test-support\\.ts$'] },
      to: { path: ['\\.test\\.ts$', '\\.contract\\.ts$', '\\.fixture\\.ts$', '^test/', 'node_modules/@smithy/'] },
    },
    {
      name: 'aws-sdk-only-in-the-cli',
      comment: 'the server never calls its own API through the SDK; the CLI is a client like any other',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/cli/', '\\.test\\.ts$', '\\.contract\\.ts$'] },
      to: { path: 'node_modules/@aws-sdk/client-medical-imaging' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
    exclude: { path: '^dist/' },
  },
};
