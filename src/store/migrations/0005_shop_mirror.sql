-- Change data capture from the shop database (Debezium-shaped events, see docs/cdc.md).
--
-- Every mirrored row remembers the source position of the change that wrote it: the commit LSN
-- before its transaction and its own LSN (numeric, from source.sequence). A change is applied only
-- when its position is newer, so redelivered or reordered changes (a capture restarted after a
-- crash resends what it had not confirmed) change nothing. Deleted rows stay as `deleted` markers
-- with their position, so an older change of a deleted row arriving late cannot bring it back.

CREATE TABLE shop_orders (
  order_id      text PRIMARY KEY,
  customer_id   text,
  status        text,
  currency      char(3),
  total         numeric(14, 2),
  placed_at     timestamptz,
  updated_at    timestamptz,
  deleted       boolean NOT NULL DEFAULT false,
  commit_lsn    numeric(20, 0) NOT NULL,
  change_lsn    numeric(20, 0) NOT NULL,
  -- When the change was applied here, and when it was committed in the shop database.
  mirrored_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  source_ts     timestamptz
);
CREATE INDEX shop_orders_status ON shop_orders (status) WHERE NOT deleted;
CREATE INDEX shop_orders_placed ON shop_orders (placed_at) WHERE NOT deleted;

CREATE TABLE shop_order_lines (
  order_id      text NOT NULL,
  line_no       integer NOT NULL,
  sku           text,
  quantity      integer,
  unit_price    numeric(12, 2),
  deleted       boolean NOT NULL DEFAULT false,
  commit_lsn    numeric(20, 0) NOT NULL,
  change_lsn    numeric(20, 0) NOT NULL,
  mirrored_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  source_ts     timestamptz,
  PRIMARY KEY (order_id, line_no)
);

-- Position of the last change applied to each reference row (products, prices, currency rates)
-- by the catalogue stage; the reference tables themselves keep their shape.
CREATE TABLE reference_positions (
  table_name    text NOT NULL,
  row_key       text NOT NULL,
  commit_lsn    numeric(20, 0) NOT NULL,
  change_lsn    numeric(20, 0) NOT NULL,
  PRIMARY KEY (table_name, row_key)
);

-- A product may arrive from the shop before its USD price does.
ALTER TABLE products ALTER COLUMN list_price_usd DROP NOT NULL;
