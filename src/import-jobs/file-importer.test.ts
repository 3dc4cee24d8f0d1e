// importFile over real corpus files (real SealedBlobStore in a temp dir): an instance stored with a warning carries
// WarningReason (0008,1196) in its data set, and so in the instance level of its metadata document.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { SealedBlobStore } from '../blobs/index.js';
import { FilesystemBlobStore } from '../blobs/filesystem/filesystem-blob-store.js';
import { bufferByteSource } from '../dicom/byte-source.js';
import { buildMetadataDocument } from '../image-sets/index.js';
import { KeyRing, type DataKey } from '../keys/index.js';
import { importFile, withWarningReason, type ImportedInstance } from './file-importer.js';

const CORPUS = fileURLToPath(new URL('../../../../shared/dicom-corpus', import.meta.url));

describe('importFile: WarningReason', { skip: existsSync(join(CORPUS, 'MANIFEST.json')) ? false : `corpus not found at ${CORPUS}` }, () => {
  let dir: string;
  let blobs: SealedBlobStore;
  let dataKey: DataKey;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-file-importer-'));
    blobs = new SealedBlobStore(new FilesystemBlobStore(dir));
    dataKey = new KeyRing(randomBytes(32)).generateDataKey().dataKey;
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** These files need no codec: their pixel data is kept whole, or they have none. */
  const imported = async (path: string): Promise<ImportedInstance> => {
    const codec = { transcode: async () => assert.fail('no frame is transcoded for this file') };
    return importFile(bufferByteSource(await readFile(join(CORPUS, path))), { id: 'ds', dataKey, losslessStorageFormat: 'HTJ2K' }, { blobs, codec, framesInFlight: 1 }, []);
  };
  const instanceDicom = (instance: ImportedInstance) => {
    const document = buildMetadataDocument('ds', 'is', [instance.document]);
    return document.Study.Series[instance.seriesInstanceUID]!.Instances[instance.sopInstanceUID]!.DICOM;
  };

  it('an unsupported transfer syntax (0xB120) is written as WarningReason 45344, by keyword, at instance level', async () => {
    const instance = await imported('edge/liver_deflated_image_frame.dcm');
    assert.deepEqual(instance.warnings.map((w) => w.code), ['UNSUPPORTED_TRANSFER_SYNTAX']);
    assert.deepEqual(instance.document.dataset['00081196'], { vr: 'US', Value: [45344] });
    const dicom = instanceDicom(instance);
    assert.equal(dicom['WarningReason'], 45344, 'a US value of VM 1 is a plain number, like Rows');
    assert.equal(typeof dicom['Rows'], 'number');
    assert.equal(dicom['00081196'], undefined, 'keyed by keyword, not by tag');
  });

  it('float pixel data kept whole (0xB100) is written as WarningReason 45312', async () => {
    const instance = await imported('edge/parametric_map_float.dcm');
    assert.equal(instance.warnings[0]?.code, 'TRANSCODING_EXCEPTION');
    assert.equal(instanceDicom(instance)['WarningReason'], 45312);
  });

  it('an instance stored without a warning has no WarningReason', async () => {
    const instance = await imported('no-pixel-data/reportsi.dcm');
    assert.deepEqual(instance.warnings, []);
    assert.equal(instance.document.dataset['00081196'], undefined);
    assert.equal(instanceDicom(instance)['WarningReason'], undefined);
  });
});

describe('withWarningReason', () => {
  const dataset = { '00080018': { vr: 'UI', Value: ['1.2.3'] } } as const;

  it('keeps the first of several warnings (the element has VM 1)', () => {
    const out = withWarningReason(dataset, [
      { code: 'INVALID_UID_FORMAT', message: 'uid' },
      { code: 'UNSUPPORTED_TRANSFER_SYNTAX', message: 'ts' },
    ]);
    assert.deepEqual(out['00081196'], { vr: 'US', Value: [45570] }, "AWS's published decimal for 0xB201");
    assert.deepEqual(out['00080018'], dataset['00080018']);
  });

  it('replaces a WarningReason the file carried when there is a warning, and leaves the data set alone when not', () => {
    const carried = { ...dataset, '00081196': { vr: 'US', Value: [1] } };
    assert.deepEqual(withWarningReason(carried, [{ code: 'OTHER', message: 'x' }])['00081196'], { vr: 'US', Value: [47513] });
    assert.equal(withWarningReason(carried, []), carried);
  });
});
