// Prometheus metrics of one Tessera process; prom-client lives here (and nowhere else but src/http/), and its
// types stay out of the exported signatures. Label children are created once, so recording costs a map lookup.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** CloudWatch usage-metric dimensions (behavior.md §19): Service, Type, Class are constant; Resource is the action. */
const USAGE_LABELS = { service: 'Medical Imaging', type: 'API', class: 'None' } as const;

export type ImportFileOutcome = 'imported' | 'customer_error' | 'server_error';

export interface MetricsSources {
  /** Codec queue depths, read at scrape time (CodecPool's pendingFrames / waitingCallers). */
  readonly codecQueue?: () => { readonly pendingFrames: number; readonly waitingCallers: number };
  /** Outbox events not yet delivered, per sink name; read at scrape time. */
  readonly outboxLag?: () => Promise<ReadonlyMap<string, number>>;
  /** Stored bytes of live image sets per data store and storage tier; read at scrape time. */
  readonly storageBytes?: () => Promise<readonly { readonly datastoreId: string; readonly storageTier: string; readonly bytes: number }[]>;
}

export interface TesseraMetricsOptions extends MetricsSources {
  /** Operation names whose children are created up front (the rest are created on first use). */
  readonly operations: readonly string[];
  /** Node process metrics (CPU, memory, event loop lag, GC); default true. */
  readonly processMetrics?: boolean;
}

export interface ScrapeResult {
  readonly contentType: string;
  readonly body: Buffer;
}

interface OperationChildren {
  readonly calls: { inc(value?: number): void };
  readonly latency: { observe(value: number): void };
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const CODEC_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export class TesseraMetrics {
  readonly #registry = new Registry();
  readonly #calls: Counter<'service' | 'type' | 'resource' | 'class'>;
  readonly #latency: Histogram<'resource'>;
  readonly #errors: Counter<'code'>;
  readonly #operations = new Map<string, OperationChildren>();
  readonly #errorChildren = new Map<string, { inc(): void }>();
  readonly #importFiles: Record<ImportFileOutcome, { inc(value?: number): void }>;
  readonly #importBytes: { inc(value: number): void };
  readonly #frames: { inc(): void };
  readonly #codecSeconds: { observe(value: number): void };

  constructor(options: TesseraMetricsOptions) {
    const registers = [this.#registry];
    this.#calls = new Counter({
      name: 'tessera_call_count_total',
      help: 'API calls per operation, with the labels of the CloudWatch AWS/Usage CallCount metric',
      labelNames: ['service', 'type', 'resource', 'class'],
      registers,
    });
    this.#latency = new Histogram({
      name: 'tessera_request_duration_seconds',
      help: 'Time from request start to the response being written, per operation',
      labelNames: ['resource'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#errors = new Counter({ name: 'tessera_errors_total', help: 'Error responses by error code', labelNames: ['code'], registers });
    const files = new Counter({
      name: 'tessera_import_files_total',
      help: 'Files processed by import jobs, by outcome',
      labelNames: ['outcome'],
      registers,
    });
    this.#importFiles = {
      imported: files.labels('imported'),
      customer_error: files.labels('customer_error'),
      server_error: files.labels('server_error'),
    };
    for (const child of Object.values(this.#importFiles)) child.inc(0); // exposed as 0 before the first import
    this.#importBytes = new Counter({ name: 'tessera_import_bytes_read_total', help: 'Bytes of input files opened by import jobs (files refused for their size are not read)', registers });
    this.#frames = new Counter({ name: 'tessera_frames_transcoded_total', help: 'Frames transcoded to their stored format', registers });
    this.#codecSeconds = new Histogram({
      name: 'tessera_codec_duration_seconds',
      help: 'Time per frame transcode, queueing included',
      buckets: CODEC_BUCKETS,
      registers,
    });

    const codecQueue = options.codecQueue;
    if (codecQueue !== undefined) {
      new Gauge({
        name: 'tessera_codec_pending_frames',
        help: 'Frames queued or running in the codec worker pool',
        registers,
        collect() {
          this.set(codecQueue().pendingFrames);
        },
      });
      new Gauge({
        name: 'tessera_codec_waiting_callers',
        help: 'Callers blocked because the codec queue is full',
        registers,
        collect() {
          this.set(codecQueue().waitingCallers);
        },
      });
    }
    const outboxLag = options.outboxLag;
    if (outboxLag !== undefined) {
      new Gauge({
        name: 'tessera_outbox_lag_events',
        help: 'Outbox events not yet delivered to each event sink',
        labelNames: ['sink'],
        registers,
        async collect() {
          this.reset();
          for (const [sink, lag] of await outboxLag()) this.set({ sink }, lag);
        },
      });
    }
    const storageBytes = options.storageBytes;
    if (storageBytes !== undefined) {
      new Gauge({
        name: 'tessera_storage_bytes',
        help: 'Bytes of the latest versions of live image sets (frames and whole pixel data), per data store and storage tier',
        labelNames: ['datastore_id', 'storage_tier'],
        registers,
        async collect() {
          this.reset();
          for (const row of await storageBytes()) this.set({ datastore_id: row.datastoreId, storage_tier: row.storageTier }, row.bytes);
        },
      });
    }
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.#registry });
    for (const operation of options.operations) this.#operation(operation);
  }

  /**
   * One finished call. `operation` is undefined when the request matched no operation (counted only as an error);
   * `errorCode` is the AWS error code of a failed call.
   */
  recordCall(operation: string | undefined, durationSeconds: number, errorCode?: string): void {
    if (operation !== undefined) {
      const children = this.#operation(operation);
      children.calls.inc();
      children.latency.observe(durationSeconds);
    }
    if (errorCode !== undefined) {
      let child = this.#errorChildren.get(errorCode);
      if (child === undefined) {
        child = this.#errors.labels(errorCode);
        this.#errorChildren.set(errorCode, child);
      }
      child.inc();
    }
  }

  /** One input file of an import job processed, with its size in bytes. */
  recordImportFile(outcome: ImportFileOutcome, bytes: number): void {
    this.#importFiles[outcome].inc();
    if (bytes > 0) this.#importBytes.inc(bytes);
  }

  /** One frame transcoded, taking `durationSeconds`. */
  recordFrameTranscoded(durationSeconds: number): void {
    this.#frames.inc();
    this.#codecSeconds.observe(durationSeconds);
  }

  /** The Prometheus text exposition of every metric. */
  async scrape(): Promise<ScrapeResult> {
    return { contentType: this.#registry.contentType, body: Buffer.from(await this.#registry.metrics(), 'utf8') };
  }

  #operation(operation: string): OperationChildren {
    let children = this.#operations.get(operation);
    if (children === undefined) {
      children = {
        calls: this.#calls.labels({ ...USAGE_LABELS, resource: operation }),
        latency: this.#latency.labels(operation),
      };
      // Exposed as 0 from the start, so rate() sees the first call.
      children.calls.inc(0);
      this.#latency.zero({ resource: operation });
      this.#operations.set(operation, children);
    }
    return children;
  }
}
