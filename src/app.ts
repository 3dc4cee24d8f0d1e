// Composition root: chooses the adapters for the configuration and wires the features to the HTTP edge.
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OPERATION_NAMES, PageTokens, ResourceNotFoundException, type DatastoreId, type ImageSetId, type ResourceScope } from './api/index.js';
import { generateAccessKeyPair } from './auth/access-keys.js';
import { CredentialAuthenticator } from './auth/credential-authenticator.js';
import { BearerAuthenticator } from './auth/bearer-authenticator.js';
import { CachedJwks } from './auth/jwks.js';
import { RequestAuthenticator } from './auth/request-authenticator.js';
import { HttpLambdaAuthorizer } from './auth/lambda-authorizer.js';
import { matchDicomwebRoute } from './http/dicomweb/dicomweb-routes.js';
import { formatSharedCredentials } from './auth/credentials-file.js';
import type { CredentialStore } from './auth/credential-store.js';
import type { Config } from './config/config.js';
import { openDataFolder, readFileIfExists, resolveAccountId, writeFileAtomic, type DataFolder } from './data-folder.js';
import { DatastoreKeys, DatastoreService } from './datastores/index.js';
import { SqliteDb } from './db/sqlite/sqlite-db.js';
import { createHttpServer, type ApiHandlers, type HttpServer } from './http/index.js';
import { KeyRing } from './keys/key-ring.js';
import { loadOrCreateMasterKey } from './keys/master-key.js';
import { TaggingService } from './tagging/index.js';
import { SealedBlobStore } from './blobs/index.js';
import { FilesystemBlobStore } from './blobs/filesystem/filesystem-blob-store.js';
import type { BucketStore } from './buckets/index.js';
import { LocalBucketStore } from './buckets/local/local-bucket-store.js';
import { S3BucketStore } from './buckets/s3/s3-bucket-store.js';
import { CodecPool } from './codec/index.js';
import {
  FrameCache,
  ImageSetCopier,
  ImageSetDeleter,
  ImageSetDocuments,
  ImageSetReader,
  ImageSetSearch,
  ImageSetUpdater,
  StorageTiering,
} from './image-sets/index.js';
import { ImportJobRunner, ImportJobService } from './import-jobs/index.js';
import { EventDispatcher, type EventSink } from './events/index.js';
import { JsonLinesFileSink } from './events/sinks/json-lines-file-sink.js';
import { WebhookSink } from './events/sinks/webhook-sink.js';
import { EventBridgeSink } from './events/sinks/eventbridge-sink.js';
import { FileAuditLog } from './audit/file-audit-log.js';
import { TesseraMetrics } from './metrics/index.js';
import { IamAdministration, PolicyAuthorizer, StoredPrincipalPolicies } from './iam/index.js';
import { EffectiveTags } from './tagging/index.js';
import { RequestThrottle } from './throttling/index.js';
import { ImageSetResolver, QidoIndexer, QidoService, StowService, WadoService, type QidoRebuildResult } from './dicomweb/index.js';

export interface App {
  readonly accountId: string;
  readonly dataFolder: DataFolder;
  /** Where to find the admin credentials, when Tessera generated them. */
  readonly generatedCredentialsPath: string | undefined;
  listen(): Promise<{ readonly port: number }>;
  close(): Promise<void>;
}

const ADMIN_USER = 'admin';
/** tessera_outbox_lag_events reads at most this many events past a sink's cursor per scrape. */
const OUTBOX_LAG_CAP = 1000;
/** STOW-RS accepts up to 1 GB of DICOM data per request (dicomweb.md §6.1). */
const DICOMWEB_MAX_STOW_BYTES = 1024 * 1024 * 1024;

export async function buildApp(config: Config): Promise<App> {
  const dataFolder = await openDataFolder(config.dataDir);
  const masterKey = await loadOrCreateMasterKey(dataFolder.root);
  const keyRing = new KeyRing(masterKey);
  const accountId = await resolveAccountId(dataFolder, config.accountId);
  const scope: ResourceScope = { partition: 'aws', region: config.region, accountId };
  // CLI changes to users, keys and policies reach the server within 100 ms (AWS IAM itself takes seconds).
  const db = SqliteDb.open(dataFolder.indexPath, { iamChangeCheckIntervalMs: 100 });
  const closeOnFailure: (() => Promise<void>)[] = [];

  try {
    const generatedCredentialsPath = await ensureAdminKey(config, db.credentials, keyRing, dataFolder, accountId);
    const pageTokens = new PageTokens(createHmac('sha256', masterKey).update('tessera/page-tokens/v1').digest());
    let log: HttpServer['log'] | undefined;

    const datastores = new DatastoreService({
      repository: db.datastores,
      // KMS wrapping needs a KMS endpoint, which this build does not talk to yet: the master key wraps every data key.
      dataKeys: { issueWrappedDataKey: async () => keyRing.generateDataKey().wrappedKey },
      pageTokens,
      scope,
      transitionDelayMs: config.datastoreTransitionDelayMs,
      deletedRetentionMs: config.deletedDatastoreRetentionMs,
      maxActiveDatastores: config.quotas.maxActiveDatastores,
      idempotencyWindowMs: config.idempotencyWindowMs,
      onBackgroundError: (error) => log?.error({ err: error }, 'data store transition failed'),
    });
    const tagging = new TaggingService(db.tags, datastores, db.imageSets, scope);

    const blobs = new SealedBlobStore(new FilesystemBlobStore(dataFolder.blobsPath));
    const buckets: BucketStore = config.s3 !== undefined ? new S3BucketStore(config.s3) : new LocalBucketStore(dataFolder.bucketsPath);
    const codec = new CodecPool({ threads: config.imports.codecThreads });
    const sinks = eventSinks(config, dataFolder);
    const metrics = new TesseraMetrics({
      operations: [...OPERATION_NAMES, 'ListEvents'],
      codecQueue: () => ({ pendingFrames: codec.pendingFrames, waitingCallers: codec.waitingCallers }),
      storageBytes: () => db.imageSets.storageBytes(),
      // The outbox has no "latest sequence" read: the lag is counted by reading past each cursor, capped.
      outboxLag: async () => {
        const lag = new Map<string, number>();
        for (const sink of sinks) {
          const cursor = await db.eventDelivery.readCursor(sink.name);
          lag.set(sink.name, (await db.outbox.readAfter(cursor, OUTBOX_LAG_CAP)).length);
        }
        return lag;
      },
    });
    const datastoreKeys = new DatastoreKeys(datastores, keyRing);
    // The QIDO-RS index follows the outbox like any sink: every image set change reaches it, in order (src/dicomweb/).
    sinks.push(new QidoIndexer(db.imageSets, new ImageSetDocuments(blobs), datastoreKeys, db.dicomweb));
    const onError = (error: unknown, context: string) => log?.error({ err: error }, context);
    const runner = new ImportJobRunner({
      repository: db.importJobs,
      imageSets: db.imageSets,
      documents: new ImageSetDocuments(blobs),
      blobs,
      buckets,
      // Counted here, one counter step and one histogram observation per frame.
      codec: {
        transcode: async (request) => {
          const startedAt = performance.now();
          const result = await codec.transcode(request);
          metrics.recordFrameTranscoded((performance.now() - startedAt) / 1000);
          return result;
        },
      },
      metrics: { fileProcessed: (outcome, bytes) => metrics.recordImportFile(outcome, bytes) },
      datastores: { describe: (datastoreId) => datastoreKeys.keyFor(datastoreId) },
      scope,
      limits: { ...config.imports, maxMetadataBytes: config.quotas.maxMetadataBytes },
      filesInFlight: Math.max(2, config.imports.codecThreads * 2),
      framesInFlight: Math.max(2, config.imports.codecThreads * 2),
      onError,
    });
    const search = new ImageSetSearch(db.imageSets, pageTokens);
    const deleter = new ImageSetDeleter({ repository: db.imageSets, blobs, scope, maxConcurrentDeletes: config.quotas.maxConcurrentDeletes, onError });
    const changes = { repository: db.imageSets, documents: new ImageSetDocuments(blobs), keys: datastoreKeys, scope, startDelayMs: config.imageSetChangeDelayMs, onError };
    const updater = new ImageSetUpdater({ ...changes, maxConcurrentUpdates: config.quotas.maxConcurrentUpdates, maxPayloadBytes: config.quotas.updatePayloadBytes, maxMetadataBytes: config.quotas.maxMetadataBytes });
    const copier = new ImageSetCopier({ ...changes, maxConcurrentCopies: config.quotas.maxConcurrentCopies, maxFramesPerCopy: config.quotas.maxFramesPerCopy, maxMetadataBytes: config.quotas.maxMetadataBytes });
    const tiering = new StorageTiering(db.imageSets, {
      archiveAfterMs: config.storageTiers.archiveAfterMs,
      flushIntervalMs: config.storageTiers.accessFlushIntervalMs,
      sweepIntervalMs: config.storageTiers.sweepIntervalMs,
      onError,
    });
    const reader = new ImageSetReader(db.imageSets, blobs, datastoreKeys, scope, pageTokens, tiering, new FrameCache(config.frameCacheBytes));
    const importJobs = new ImportJobService({
      repository: db.importJobs,
      runner,
      datastores,
      pageTokens,
      maxConcurrentJobsPerDatastore: config.imports.maxConcurrentJobsPerDatastore,
      maxRunningJobs: config.imports.runningJobs,
      idempotencyWindowMs: config.idempotencyWindowMs,
      jobRetentionMs: 90 * 24 * 3600 * 1000,
      onError,
    });

    const handlers: ApiHandlers = {
      createDatastore: (input) => datastores.create(input),
      getDatastore: (id) => datastores.get(id),
      listDatastores: (input) => datastores.list(input),
      deleteDatastore: (id) => datastores.delete(id),
      tagResource: (arn, tags) => tagging.tagResource(arn, tags),
      listTagsForResource: (arn) => tagging.listTagsForResource(arn),
      untagResource: (arn, keys) => tagging.untagResource(arn, keys),
      startDICOMImportJob: (input) => importJobs.start(input),
      getDICOMImportJob: (datastoreId, jobId) => importJobs.get(datastoreId, jobId),
      listDICOMImportJobs: (input) => importJobs.list(input),
      getImageSet: (datastoreId, imageSetId, versionId) => reader.getImageSet(datastoreId, imageSetId, versionId),
      getImageSetMetadata: (datastoreId, imageSetId, versionId) => reader.getImageSetMetadata(datastoreId, imageSetId, versionId),
      getImageFrame: (datastoreId, imageSetId, frameId) => reader.getImageFrame(datastoreId, imageSetId, frameId),
      searchImageSets: async (datastoreId, criteria, nextToken, maxResults) => {
        const datastore = await datastores.find(datastoreId);
        if (datastore === undefined || datastore.status === 'DELETED') throw new ResourceNotFoundException(`Datastore ${datastoreId} does not exist`);
        return search.search(datastoreId, criteria, nextToken, maxResults);
      },
      deleteImageSet: (datastoreId, imageSetId) => deleter.delete(datastoreId, imageSetId),
      updateImageSetMetadata: (input) => updater.update(input),
      copyImageSet: (input) => copier.copy(input),
      listImageSetVersions: (datastoreId, imageSetId, nextToken, maxResults) => reader.listImageSetVersions(datastoreId, imageSetId, nextToken, maxResults),
    };

    const events = new EventDispatcher({
      outbox: db.outbox,
      store: db.eventDelivery,
      sinks,
      pollIntervalMs: config.events.pollIntervalMs,
      maxAttempts: config.events.maxAttempts,
      retryBaseMs: config.events.retryBaseMs,
      retryMaxMs: config.events.retryMaxMs,
      log: { warn: (object, message) => log?.warn(object, message), error: (object, message) => log?.error(object, message) },
    });

    const auditLog = await FileAuditLog.open({
      dir: join(dataFolder.root, 'audit'),
      maxFileBytes: config.audit.maxFileBytes,
      batchMs: config.audit.batchMs,
      onError: (error, message) => log?.error({ err: error }, message),
      onTornFile: (path) =>
        // Only stderr here: the HTTP logger does not exist yet.
        process.stderr.write(`tessera: audit file ${path} ends mid-record (crash or truncation); left as found, writing continues in a new file\n`),
    });
    closeOnFailure.push(() => auditLog.close());

    const http = createHttpServer({
      handlers,
      services: {
        eventFeed: db.outbox,
        metrics: { access: config.metrics, scrape: () => metrics.scrape() },
        importProgress: (datastoreId, jobId) => importJobs.progress(datastoreId, jobId),
      },
      metrics,
      // CLI changes (keys, users, policies) reach both caches on the next request.
      authenticator: new RequestAuthenticator(
        new CredentialAuthenticator({
          store: db.credentials,
          sealer: keyRing,
          region: config.region,
          clockSkewMs: config.clockSkewMs,
          externalChangeCount: () => db.iam.externalChangeCount(),
        }),
        config.oidc === undefined
          ? undefined
          : new BearerAuthenticator({
              issuers: config.oidc.issuers.map((issuer) => ({
                ...issuer,
                jwks: 'file' in issuer.jwks ? CachedJwks.fromFile(issuer.jwks.file) : CachedJwks.fromUrl(issuer.jwks.url),
              })),
              accountId,
              invalidTokenStatus: config.oidc.invalidTokenStatus,
              clockSkewSeconds: config.oidc.clockSkewSeconds,
            }),
        config.lambdaAuthorizers.size === 0
          ? undefined
          : {
              authorizer: new HttpLambdaAuthorizer({
                endpoints: config.lambdaAuthorizers,
                accountId,
                onFailure: (error, lambdaAuthorizerArn) => log?.warn({ err: error, lambdaAuthorizerArn }, 'Lambda authorizer failed; request denied'),
              }),
              // Only DICOMweb calls of a data store created with lambdaAuthorizerArn go to it (dicomweb.md §7.2).
              targetOf: async (method, rawPath) => {
                let match;
                try {
                  match = matchDicomwebRoute(method, rawPath);
                } catch {
                  return undefined;
                }
                if (match === undefined) return undefined;
                const lambdaAuthorizerArn = (await datastores.find(match.datastoreId as DatastoreId))?.lambdaAuthorizerArn;
                if (lambdaAuthorizerArn === undefined) return undefined;
                return { datastoreId: match.datastoreId, operation: match.route.action.slice('medical-imaging:'.length), lambdaAuthorizerArn };
              },
            },
      ),
      authorizer: new PolicyAuthorizer(new StoredPrincipalPolicies(db.iam), new EffectiveTags(db.tags, scope)),
      resourceScope: scope,
      ...(config.throttling.isEnabled ? { throttle: new RequestThrottle(config.throttling.limits) } : {}),
      timeouts: { requestMs: config.requestTimeoutMs, headersMs: config.headersTimeoutMs },
      ...(config.tls !== undefined ? { tls: { cert: await readFile(config.tls.certPath), key: await readFile(config.tls.keyPath) } } : {}),
      maxRequestBodyBytes: config.maxRequestBodyBytes,
      logLevel: config.logLevel,
      audit: { log: auditLog, scope: { partition: scope.partition, region: config.region, accountId } },
      dicomweb: {
        services: {
          wado: new WadoService({
            resolver: new ImageSetResolver(db.imageSets, new ImageSetDocuments(blobs), datastoreKeys),
            frames: { getImageFrame: (datastoreId, imageSetId, frameId) => reader.getImageFrame(datastoreId, imageSetId as ImageSetId, frameId) },
            pixelBlobs: db.dicomweb,
            blobs,
            decoder: codec,
          }),
          qido: new QidoService(db.dicomweb, datastoreKeys),
          stow: new StowService({
            datastores: datastoreKeys,
            blobs,
            codec: { transcode: (request) => codec.transcode(request) },
            committer: runner,
            framesInFlight: Math.max(2, config.imports.codecThreads * 2),
            onError: (error) => log?.error({ err: error }, 'STOW-RS instance failed'),
          }),
        },
        scope,
        maxStowBodyBytes: DICOMWEB_MAX_STOW_BYTES,
      },
    });
    log = http.log;

    let isClosed = false;
    return {
      accountId,
      dataFolder,
      generatedCredentialsPath,
      async listen() {
        await datastores.resumeTransitions();
        const listening = await http.listen(config.host, config.port);
        await importJobs.resumeUnfinished();
        await deleter.resumeUnfinished();
        // Updates and copies a restart interrupted: their image sets are still LOCKED; the stored request is replayed.
        for (const operation of await db.imageSets.listOperations()) {
          if (operation.kind === 'update') await updater.resume(operation);
          else await copier.resume(operation);
        }
        tiering.start();
        events.start();
        return listening;
      },
      async close() {
        if (isClosed) return;
        isClosed = true;
        await http.close(); // in-flight requests finish first
        await auditLog.close(); // every call's record is written and synced
        datastores.close();
        await importJobs.close(); // running jobs finish; queued ones stay SUBMITTED for the next start
        await deleter.close();
        await updater.close();
        await copier.close();
        await tiering.close(); // pending accesses are written
        await codec.close();
        await events.stop(); // the batch in flight finishes and its cursor is stored; the rest goes out on the next start
        db.close();
      },
    };
  } catch (error) {
    for (const close of closeOnFailure) await close().catch(() => undefined);
    db.close();
    throw error;
  }
}

/** What `tessera users|roles|keys|policies|sessions` work on: the data folder's stores, opened beside a running server. */
export async function openIamAdministration(dataDir: string, configuredAccountId: string | undefined): Promise<{ administration: IamAdministration; close(): void }> {
  const dataFolder = await openDataFolder(dataDir);
  const keyRing = new KeyRing(await loadOrCreateMasterKey(dataFolder.root));
  const accountId = await resolveAccountId(dataFolder, configuredAccountId);
  const db = SqliteDb.open(dataFolder.indexPath);
  return { administration: new IamAdministration(db.iam, db.credentials, keyRing, accountId), close: () => db.close() };
}

/** What `tessera dicomweb reindex` works on: the data folder's index and blobs, opened beside a running server. */
export async function openQidoReindex(dataDir: string): Promise<{ reindex(datastoreId: string | undefined): Promise<QidoRebuildResult>; close(): void }> {
  const dataFolder = await openDataFolder(dataDir);
  // A mistyped --data-dir must not quietly create an empty data folder and report nothing to rebuild.
  if (!existsSync(dataFolder.indexPath)) throw new Error(`no Tessera index at ${dataFolder.indexPath} (check --data-dir)`);
  const keyRing = new KeyRing(await loadOrCreateMasterKey(dataFolder.root));
  const db = SqliteDb.open(dataFolder.indexPath);
  // Deleted data stores read as DELETED (no key): their image sets' rows are removed, not rebuilt.
  const keys = new DatastoreKeys({ find: (id) => db.datastores.get(id, 0), changeGeneration: () => db.datastores.changeGeneration() }, keyRing);
  const indexer = new QidoIndexer(db.imageSets, new ImageSetDocuments(new SealedBlobStore(new FilesystemBlobStore(dataFolder.blobsPath))), keys, db.dicomweb);
  return {
    async reindex(datastoreId) {
      if (datastoreId !== undefined) {
        if ((await db.datastores.get(datastoreId as DatastoreId, 0)) === undefined) throw new ResourceNotFoundException(`Datastore ${datastoreId} does not exist`);
        return indexer.rebuild([datastoreId]);
      }
      const live: string[] = [];
      for (let after: { createdAtMs: number; id: string } | undefined; ; ) {
        const page = await db.datastores.list({ status: undefined, after, limit: 500, hideDeletedBeforeMs: 0 });
        for (const datastore of page) if (datastore.status !== 'DELETED') live.push(datastore.id);
        if (page.length < 500) break;
        after = { createdAtMs: page.at(-1)!.createdAtMs, id: page.at(-1)!.id };
      }
      return indexer.rebuild(undefined, live);
    },
    close: () => db.close(),
  };
}

/** The configured event sinks; each keeps its delivery cursor under its name, so names stay stable across restarts. */
function eventSinks(config: Config, dataFolder: DataFolder): EventSink[] {
  const sinks: EventSink[] = [];
  if (config.events.isLogEnabled) sinks.push(new JsonLinesFileSink(join(dataFolder.root, 'events', 'events.jsonl')));
  for (const url of config.events.webhookUrls) sinks.push(new WebhookSink({ url, secret: config.events.webhookSecret! }));
  const eventBridge = config.events.eventBridge;
  if (eventBridge !== undefined) {
    sinks.push(
      new EventBridgeSink({
        endpoint: eventBridge.endpoint,
        region: eventBridge.region,
        busName: eventBridge.busName,
        ...(eventBridge.source !== undefined ? { source: eventBridge.source } : {}),
        credentials: { accessKeyId: eventBridge.accessKeyId, secretAccessKey: eventBridge.secretAccessKey },
      }),
    );
  }
  return sinks;
}

/** The admin key from the config, or on first start a generated one written to <data>/credentials. */
async function ensureAdminKey(
  config: Config,
  credentials: CredentialStore,
  keyRing: KeyRing,
  dataFolder: DataFolder,
  accountId: string,
): Promise<string | undefined> {
  const principalArn = `arn:aws:iam::${accountId}:user/${ADMIN_USER}`;
  if (config.admin !== undefined) {
    await credentials.putAccessKey({
      accessKeyId: config.admin.accessKeyId,
      userName: ADMIN_USER,
      principalArn,
      sealedSecret: keyRing.sealSecret(config.admin.secretAccessKey, config.admin.accessKeyId),
      status: 'Active',
      createdAtMs: Date.now(),
    });
    return undefined;
  }
  if ((await credentials.countAccessKeys(ADMIN_USER)) > 0) {
    return (await readFileIfExists(dataFolder.credentialsPath)) === undefined ? undefined : dataFolder.credentialsPath;
  }
  const pair = generateAccessKeyPair();
  // File first: if we crash in between, the next start generates again instead of leaving an unknown key.
  await writeFileAtomic(dataFolder.credentialsPath, formatSharedCredentials(pair.accessKeyId, pair.secretAccessKey, config.region), 0o600);
  await credentials.putAccessKey({
    accessKeyId: pair.accessKeyId,
    userName: ADMIN_USER,
    principalArn,
    sealedSecret: keyRing.sealSecret(pair.secretAccessKey, pair.accessKeyId),
    status: 'Active',
    createdAtMs: Date.now(),
  });
  return dataFolder.credentialsPath;
}

