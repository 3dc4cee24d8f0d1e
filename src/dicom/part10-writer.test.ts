// The Part 10 writer read back by the Part 10 reader: meta group, explicit VRs, sequences, PN, numbers, encapsulated pixels.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bufferByteSource } from './byte-source.js';
import { readFrame, readPart10 } from './part10-reader.js';
import { writePart10 } from './part10-writer.js';

describe('writePart10', () => {
  it('writes a file the reader parses back, with UTF-8 text declared as ISO_IR 192', async () => {
    const bytes = Buffer.concat(
      writePart10({
        sopClassUID: '1.2.840.10008.5.1.4.1.1.7',
        sopInstanceUID: '1.2.3.4',
        transferSyntaxUID: '1.2.840.10008.1.2.4.202',
        dataset: {
          '00080016': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.7'] },
          '00080018': { vr: 'UI', Value: ['1.2.3.4'] },
          '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Müller^Jürgen' }] },
          '00200013': { vr: 'IS', Value: [7] },
          '00280010': { vr: 'US', Value: [2] },
          '00280011': { vr: 'US', Value: [2] },
          '00281050': { vr: 'DS', Value: [40.5, -3] },
          '00089215': { vr: 'SQ', Value: [{ '00080100': { vr: 'SH', Value: ['121327'] } }] },
        },
        pixelData: { kind: 'encapsulated', frames: [Buffer.from([1, 2, 3]), Buffer.from([4, 5, 6, 7])] },
      }),
    );
    assert.equal(bytes.subarray(128, 132).toString('latin1'), 'DICM');
    const parsed = await readPart10(bufferByteSource(bytes));
    assert.equal(parsed.transferSyntaxUID, '1.2.840.10008.1.2.4.202');
    assert.equal(parsed.dataset['00080005']!.Value![0], 'ISO_IR 192');
    assert.deepEqual(parsed.dataset['00100010']!.Value![0], { Alphabetic: 'Müller^Jürgen' });
    assert.deepEqual(parsed.dataset['00281050']!.Value, [40.5, -3]);
    assert.equal(parsed.dataset['00200013']!.Value![0], 7);
    assert.equal((parsed.dataset['00089215']!.Value![0] as Record<string, { Value: unknown[] }>)['00080100']!.Value[0], '121327');
    assert.equal(parsed.pixelData!.frames.length, 2);
    assert.deepEqual([...(await readFrame(parsed, 1)).subarray(0, 4)], [4, 5, 6, 7]);
  });
});
