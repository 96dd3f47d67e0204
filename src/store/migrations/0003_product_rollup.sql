-- Per-minute rollup by product, so "top products" reads O(minutes x products), not O(events).
CREATE TABLE product_minute (
  bucket        timestamptz NOT NULL,
  sku           text        NOT NULL,
  event_type    text        NOT NULL,
  product_name  text,
  events        bigint      NOT NULL,
  quantity      bigint      NOT NULL,
  revenue_usd   numeric     NOT NULL,
  bot_events    bigint      NOT NULL,
  PRIMARY KEY (bucket, sku, event_type)
);
