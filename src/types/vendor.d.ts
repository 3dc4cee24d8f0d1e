// Type declarations for packages that ship none; each package's own home narrows them further.
declare module 'dcmjs';
declare module 's3rver';
declare module 'parse-prometheus-text-format' {
  /** One metric family of the Prometheus text format, as the parser returns it. */
  interface ParsedFamily {
    readonly name: string;
    readonly help: string;
    readonly type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    readonly metrics: readonly {
      readonly value?: string;
      readonly labels?: Readonly<Record<string, string>>;
      readonly buckets?: Readonly<Record<string, string>>;
      readonly count?: string;
      readonly sum?: string;
    }[];
  }
  export default function parsePrometheusTextFormat(text: string): ParsedFamily[];
}
