-- Per session and per user, the first time each funnel step happened, kept by the sink from the
-- rows each batch newly stores. least() is order-free, so late or redelivered events keep it exact,
-- and the funnel reads O(entities in the window) instead of every event of every session.
CREATE TABLE funnel_entities (
  entity           text        NOT NULL CHECK (entity IN ('session', 'user')),
  entity_id        text        NOT NULL,
  product_view_at  timestamptz,
  add_to_cart_at   timestamptz,
  checkout_at      timestamptz,
  purchase_at      timestamptz,
  PRIMARY KEY (entity, entity_id)
) WITH (fillfactor = 90);
-- Funnel windows select entities by their first product view.
CREATE INDEX funnel_entities_view_idx ON funnel_entities (entity, product_view_at);

-- Events stored before this table existed.
INSERT INTO funnel_entities (entity, entity_id, product_view_at, add_to_cart_at, checkout_at, purchase_at)
SELECT k.entity, k.id,
       min(e.event_time) FILTER (WHERE e.event_type = 'product_view'),
       min(e.event_time) FILTER (WHERE e.event_type = 'add_to_cart'),
       min(e.event_time) FILTER (WHERE e.event_type = 'checkout'),
       min(e.event_time) FILTER (WHERE e.event_type = 'purchase')
  FROM events e
 CROSS JOIN LATERAL (VALUES ('session', e.session_id), ('user', e.user_id)) AS k(entity, id)
 WHERE k.id IS NOT NULL AND e.event_type IN ('product_view', 'add_to_cart', 'checkout', 'purchase')
 GROUP BY 1, 2;
