/**
 * The funnel's steps and where the sink keeps them: funnel_entities holds, per session and per user,
 * the first time of each step (column `<step>_at`, created by migration 0004).
 */
import type { EventType } from '../events/event-schemas.js';

/** The steps, in order. */
export const FUNNEL_STEPS = ['product_view', 'add_to_cart', 'checkout', 'purchase'] as const satisfies readonly EventType[];

export type FunnelStep = (typeof FUNNEL_STEPS)[number];

/** What a funnel counts, and the event column that identifies it. */
export const FUNNEL_ENTITIES = { session: 'session_id', user: 'user_id' } as const;
export type FunnelEntity = keyof typeof FUNNEL_ENTITIES;

/** funnel_entities' column holding the first time an entity reached this step. */
export const firstTimeColumn = (step: FunnelStep) => `${step}_at` as const;
