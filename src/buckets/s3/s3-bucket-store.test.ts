import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { runBucketStoreContract } from '../bucket-store.contract.js';
import { S3BucketStore } from './s3-bucket-store.js';

// A real S3-wire server (s3rver) on loopback, started for this test.
runBucketStoreContract('S3BucketStore (s3rver)', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'tessera-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory });
  const { port } = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const admin = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  return {
    store: new S3BucketStore({ endpoint, region: 'us-east-1', forcePathStyle: true, ...credentials }),
    createBucket: async (name) => void (await admin.send(new CreateBucketCommand({ Bucket: name }))),
    cleanup: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
});
