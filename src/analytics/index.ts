/** Named analytics over the store: the query API shared by the Lambda, the local twin's server and the CLI. */

export { LATENCY_BUCKET_BOUNDS_MS, LATENCY_OVERFLOW_LE_MS, latencyBucketUpperBound } from '../store/freshness-buckets.js';
export { FUNNEL_STEPS } from '../store/funnel-steps.js';
export { DIMENSIONS, type Dimension, MISSING_DIMENSION_LABEL, SPLIT_DIMENSIONS, TOP_DIMENSIONS } from './dimensions.js';
export { AnalyticsError, QueryParameterError, UnknownQueryError } from './errors.js';
export { type HistogramBucket, histogramPercentile } from './histogram-percentile.js';
export { handleQueryRequest, type QueryHttpOptions, type QueryHttpRequest, type QueryHttpResponse } from './http-query-adapter.js';
export { QUERY_LIMITS } from './limits.js';
export { METRIC_NAMES, METRICS, type Metric } from './metrics.js';
export {
  isQueryName,
  namedQuery,
  prepareNamedQuery,
  QUERY_NAMES,
  type QueryName,
  type RunNamedQueryOptions,
  runNamedQuery,
} from './named-queries.js';
export type { NamedQuery, PreparedQuery } from './named-query.js';
export { NO_STATUS_SOURCE_NOTE } from './pipeline-query.js';
export type { PipelineStatus, PipelineStatusSource, StageStatus } from './pipeline-status.js';
export type { NormalisedParams, RawParams } from './query-params.js';
export type { Cell, ColumnType, QueryColumn, QueryResult } from './query-result.js';
export { isStoreUnreachable } from './store-failure.js';
