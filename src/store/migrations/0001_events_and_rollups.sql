-- Events, one row each, and the rollups kept from exactly the rows a batch newly inserted.

CREATE TABLE events (
  event_id      text PRIMARY KEY,
  event_type    text        NOT NULL,
  schema_version smallint   NOT NULL,
  source        text        NOT NULL,
  event_time    timestamptz NOT NULL,
  -- When the record entered the raw topic (its Kafka timestamp).
  received_at   timestamptz NOT NULL,
  -- When the sink transaction that stored it committed: ingested_at - received_at is freshness.
  ingested_at   timestamptz NOT NULL,
  user_id       text,
  session_id    text,
  device_id     text,
  sku           text,
  product_name  text,
  category      text,
  quantity      integer,
  price         numeric(14, 4),
  currency      char(3),
  value_usd     numeric(20, 4),
  revenue_usd   numeric(20, 4),
  country       char(2),
  device_class  text,
  browser       text,
  os            text,
  is_bot        boolean     NOT NULL DEFAULT false,
  payload       jsonb       NOT NULL
);
CREATE INDEX events_event_time_idx ON events (event_time);
CREATE INDEX events_ingested_at_idx ON events (ingested_at);
CREATE INDEX events_type_time_idx ON events (event_type, event_time);

-- Dimensions are '' rather than NULL so they can be part of the primary key.
CREATE TABLE metrics_minute (
  bucket        timestamptz NOT NULL,
  event_type    text        NOT NULL,
  category      text        NOT NULL,
  country       text        NOT NULL,
  device_class  text        NOT NULL,
  events        bigint      NOT NULL,
  quantity      bigint      NOT NULL,
  revenue_usd   numeric     NOT NULL,
  bot_events    bigint      NOT NULL,
  PRIMARY KEY (bucket, event_type, category, country, device_class)
);

-- Ingest-to-queryable latency, as a histogram per minute of commit time (bounded read for p50/p99).
CREATE TABLE freshness_minute (
  bucket        timestamptz NOT NULL,
  -- Upper bound of the latency bucket in milliseconds (power-of-two-ish steps, see store code).
  le_ms         integer     NOT NULL,
  events        bigint      NOT NULL,
  PRIMARY KEY (bucket, le_ms)
);

-- One row per committed sink batch: what it carried and what was new.
CREATE TABLE sink_batches (
  batch_id      bigserial   PRIMARY KEY,
  committed_at  timestamptz NOT NULL,
  records       integer     NOT NULL,
  inserted      integer     NOT NULL,
  duplicates    integer     NOT NULL
);
CREATE INDEX sink_batches_committed_at_idx ON sink_batches (committed_at);
