export { TesseraMetrics, type ImportFileOutcome, type MetricsSources, type ScrapeResult, type TesseraMetricsOptions } from './tessera-metrics.js';
