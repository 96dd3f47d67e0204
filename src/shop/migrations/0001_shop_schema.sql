-- The operational shop database: the source of change data capture. Every table has a primary
-- key (the capture refuses tables without one unless REPLICA IDENTITY FULL is set).

CREATE TABLE currency_rates (
  currency    char(3) PRIMARY KEY,
  -- Value of one unit of the currency in US dollars.
  usd_rate    numeric(18, 8) NOT NULL CHECK (usd_rate > 0),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE products (
  sku         text PRIMARY KEY,
  name        text NOT NULL,
  category    text NOT NULL,
  stock       integer NOT NULL DEFAULT 0 CHECK (stock >= 0),
  tags        text[] NOT NULL DEFAULT '{}',
  attributes  jsonb NOT NULL DEFAULT '{}',
  -- Long free text: stored out of line (TOAST) once large, so unchanged values are not replicated.
  description text,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE prices (
  sku         text NOT NULL REFERENCES products (sku) ON DELETE CASCADE,
  currency    char(3) NOT NULL REFERENCES currency_rates (currency),
  amount      numeric(12, 2) NOT NULL CHECK (amount >= 0),
  valid_from  date NOT NULL DEFAULT current_date,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sku, currency)
);

CREATE TABLE customers (
  customer_id text PRIMARY KEY,
  email       text NOT NULL,
  country     char(2),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orders (
  -- The orderId of the clickstream purchase events of the same order.
  order_id    text PRIMARY KEY,
  customer_id text NOT NULL REFERENCES customers (customer_id),
  status      text NOT NULL CHECK (status IN ('placed', 'paid', 'shipped', 'cancelled')),
  currency    char(3) NOT NULL,
  total       numeric(14, 2) NOT NULL CHECK (total >= 0),
  placed_at   timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE order_lines (
  order_id    text NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
  line_no     integer NOT NULL,
  sku         text NOT NULL,
  quantity    integer NOT NULL CHECK (quantity > 0),
  unit_price  numeric(12, 2) NOT NULL,
  PRIMARY KEY (order_id, line_no)
);

CREATE INDEX orders_status ON orders (status);
