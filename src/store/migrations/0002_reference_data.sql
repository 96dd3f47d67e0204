-- Reference data the enrich stage joins: product catalogue, currency rates, IP ranges.

CREATE TABLE products (
  sku           text PRIMARY KEY,
  name          text NOT NULL,
  category      text NOT NULL,
  list_price_usd numeric(14, 4) NOT NULL
);

CREATE TABLE currency_rates (
  currency      char(3) PRIMARY KEY,
  -- Value of one unit of the currency in US dollars.
  usd_rate      numeric(18, 8) NOT NULL CHECK (usd_rate > 0),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ip_ranges (
  network       cidr PRIMARY KEY,
  country       char(2) NOT NULL
);
