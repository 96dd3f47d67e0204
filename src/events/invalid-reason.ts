/** Why a record went to the DLQ. Each kind of bad input has its own code; codes are stable API. */
export const InvalidReason = {
  /** Tombstone: the record has no value. */
  EMPTY_VALUE: 'EMPTY_VALUE',
  TOO_LARGE: 'TOO_LARGE',
  NOT_UTF8: 'NOT_UTF8',
  NOT_JSON: 'NOT_JSON',
  NOT_AN_OBJECT: 'NOT_AN_OBJECT',
  UNKNOWN_TYPE: 'UNKNOWN_TYPE',
  UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
  MISSING_FIELD: 'MISSING_FIELD',
  WRONG_TYPE: 'WRONG_TYPE',
  IMPOSSIBLE_VALUE: 'IMPOSSIBLE_VALUE',
  INVALID_TIMESTAMP: 'INVALID_TIMESTAMP',
  INVALID_CURRENCY: 'INVALID_CURRENCY',
  /** enrich: the SKU is not in the product catalogue. */
  UNKNOWN_PRODUCT: 'UNKNOWN_PRODUCT',
  /** enrich: no rate to convert the currency to USD. */
  NO_CURRENCY_RATE: 'NO_CURRENCY_RATE',
  /** enrich/sink: a record on an internal topic that the previous stage did not write. */
  MALFORMED_INTERNAL_RECORD: 'MALFORMED_INTERNAL_RECORD',
  /** catalogue/orders: a record on a change topic that is not a Debezium change event of a table the stage reads. */
  NOT_A_CHANGE_EVENT: 'NOT_A_CHANGE_EVENT',
} as const;
export type InvalidReason = (typeof InvalidReason)[keyof typeof InvalidReason];

export const INVALID_REASONS: readonly InvalidReason[] = Object.values(InvalidReason);
