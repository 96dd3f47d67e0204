/** Named analytics over the store: the query API shared by the Lambda, the local twin's server and the CLI. */
export { AnalyticsError, QueryParameterError, UnknownQueryError } from './errors.js';
export { DIMENSIONS, SPLIT_DIMENSIONS, TOP_DIMENSIONS, MISSING_DIMENSION_LABEL, type Dimension } from './dimensions.js';
export { METRICS, METRIC_NAMES, type Metric } from './metrics.js';
export { QUERY_LIMITS } from './limits.js';
export { FUNNEL_STEPS } from './funnel-query.js';
export { LATENCY_BUCKET_BOUNDS_MS, LATENCY_OVERFLOW_LE_MS, latencyBucketUpperBound } from './freshness-buckets.js';
export { histogramPercentile, type HistogramBucket } from './histogram-percentile.js';
export { NO_STATUS_SOURCE_NOTE } from './pipeline-query.js';
export type { PipelineStatus, PipelineStatusSource, StageStatus } from './pipeline-status.js';
export type { NamedQuery, PreparedQuery } from './named-query.js';
export type { NormalisedParams, RawParams } from './query-params.js';
export type { Cell, ColumnType, QueryColumn, QueryResult } from './query-result.js';
export {
  QUERY_NAMES,
  type QueryName,
  type RunNamedQueryOptions,
  isQueryName,
  namedQuery,
  prepareNamedQuery,
  runNamedQuery,
} from './named-queries.js';
export { handleQueryRequest, type QueryHttpOptions, type QueryHttpRequest, type QueryHttpResponse } from './http-query-adapter.js';
export { isStoreUnreachable } from './store-failure.js';
