/** Kafka protocol numbers used for fault injection into the embedded cluster. */

/** Request types (ApiKey) of the Kafka protocol that the mock cluster serves. */
export const KafkaApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  ApiVersions: 18,
  InitProducerId: 22,
} as const;
export type KafkaApiKey = (typeof KafkaApiKey)[keyof typeof KafkaApiKey];

/** Error codes worth injecting: protocol errors (>= 0) and librdkafka's transport error. */
export const KafkaErrorCode = {
  /** librdkafka RD_KAFKA_RESP_ERR__TRANSPORT: the mock broker drops the connection instead of answering. */
  Transport: -195,
  UnknownTopicOrPartition: 3,
  LeaderNotAvailable: 5,
  NotLeaderForPartition: 6,
  RequestTimedOut: 7,
  NetworkException: 13,
  CoordinatorLoadInProgress: 14,
  CoordinatorNotAvailable: 15,
  NotCoordinator: 16,
  NotEnoughReplicas: 19,
  NotEnoughReplicasAfterAppend: 20,
  IllegalGeneration: 22,
  UnknownMemberId: 25,
  RebalanceInProgress: 27,
  /** Not retriable for kafkajs: a Fetch answered with it crashes the consumer without a restart. */
  TopicAuthorizationFailed: 29,
  KafkaStorageError: 56,
} as const;
export type KafkaErrorCode = (typeof KafkaErrorCode)[keyof typeof KafkaErrorCode];
