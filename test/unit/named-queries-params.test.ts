/** Parameter validation of every named query: no store involved, so every rule is checked here. */
import { describe, expect, it } from 'vitest';
import { QueryParameterError, UnknownQueryError } from '../../src/analytics/errors.js';
import { namedQuery, prepareNamedQuery, QUERY_NAMES } from '../../src/analytics/named-queries.js';

const NOW = new Date('2025-03-01T12:00:30.500Z');

function refusal(name: string, params: Record<string, string | undefined>): QueryParameterError {
  try {
    prepareNamedQuery(name, params, NOW);
  } catch (error) {
    if (error instanceof QueryParameterError) return error;
    throw error;
  }
  throw new Error(`${name} accepted ${JSON.stringify(params)}`);
}

/** Asserts the parameters are refused, naming `parameter`, with a message matching `says`. */
function expectRefused(name: string, params: Record<string, string | undefined>, parameter: string, says: RegExp) {
  const error = refusal(name, params);
  expect(error.parameter).toBe(parameter);
  expect(error.message).toMatch(new RegExp(`^parameter "${parameter}": `));
  expect(error.message).toMatch(says);
  expect(error.message).not.toContain('\n');
}

const base: Record<string, Record<string, string>> = {
  timeseries: {},
  top: { dimension: 'country' },
  funnel: {},
  freshness: {},
  pipeline: {},
  orders: {},
  reconciliation: {},
};
// Longest window with the base parameters: raw-event reads (the funnel) are held to a day.
const maxWindow: Record<string, string> = {
  timeseries: '31d',
  top: '31d',
  funnel: '1d',
  freshness: '31d',
  pipeline: '31d',
  orders: '31d',
  reconciliation: '1d',
};

describe('every query', () => {
  it('lists its parameters and validates without a store', () => {
    for (const name of QUERY_NAMES) {
      expect(namedQuery(name).parameters).toEqual(expect.arrayContaining(['last', 'from', 'to']));
      expect(() => prepareNamedQuery(name, base[name] ?? {}, NOW)).not.toThrow();
    }
  });

  it.each(QUERY_NAMES)('%s refuses unknown parameters, listing the allowed ones', (name) => {
    expectRefused(name, { ...base[name], limit: '5' }, 'limit', new RegExp(`not a parameter of ${name}; allowed: last, from, to`));
  });

  it.each(QUERY_NAMES)('%s checks the window parameters', (name) => {
    const params = base[name] ?? {};
    for (const last of ['15', '0m', '15x', '-5m', '1.5h', '', '15 m']) {
      expectRefused(name, { ...params, last }, 'last', /must be a duration: a whole number and s, m, h or d/);
    }
    for (const from of [
      'yesterday',
      '2025-03-01',
      '2025-03-01T12:00:00',
      '2025-02-30T00:00:00Z',
      '2025-03-01T24:00:00Z',
      '1740830400000',
    ]) {
      expectRefused(name, { ...params, from }, 'from', /must be an ISO 8601 time with a zone/);
    }
    expectRefused(name, { ...params, to: 'now' }, 'to', /must be an ISO 8601 time with a zone, e\.g\. \S+ \(got "now"\)/);
    expectRefused(name, { ...params, last: '5m', from: '2025-03-01T11:00:00Z' }, 'from', /either last or from/);
    expectRefused(name, { ...params, from: '2025-03-01T11:00:00Z', to: '2025-03-01T10:00:00Z' }, 'to', /must be after from/);
    expectRefused(name, { ...params, last: '40d' }, 'last', new RegExp(`the window is 40d; this query allows at most ${maxWindow[name]}$`));
    expectRefused(name, { ...params, from: '2025-01-01T00:00:00Z' }, 'from', new RegExp(`this query allows at most ${maxWindow[name]}$`));
  });

  it('treats undefined as absent', () => {
    expect(prepareNamedQuery('timeseries', { metric: undefined }, NOW).params.metric).toBe('events');
  });

  it('bounds what it echoes of a bad value', () => {
    const error = refusal('timeseries', { metric: `x${'y'.repeat(500)}\n` });
    expect(error.message.length).toBeLessThan(250);
  });
});

describe('unknown query', () => {
  it('is refused with the list of names', () => {
    expect(() => prepareNamedQuery('revenue', {}, NOW)).toThrow(UnknownQueryError);
    expect(() => prepareNamedQuery('revenue', {}, NOW)).toThrow(
      'unknown query "revenue"; known queries: timeseries, top, funnel, freshness, pipeline',
    );
    expect(() => prepareNamedQuery('toString', {}, NOW)).toThrow(UnknownQueryError);
  });
});

describe('timeseries', () => {
  it('fills defaults and states the window read', () => {
    expect(prepareNamedQuery('timeseries', {}, NOW).params).toEqual({
      metric: 'events',
      bucket: '1m',
      from: '2025-03-01T11:45:00.000Z',
      to: '2025-03-01T12:01:00.000Z',
    });
    expect(
      prepareNamedQuery(
        'timeseries',
        {
          metric: 'revenue_usd',
          bucket: '60s',
          split: 'country',
          event_type: 'purchase',
          from: '2025-03-01T10:00:10+01:00',
          to: '2025-03-01T09:30:00Z',
        },
        NOW,
      ).params,
    ).toEqual({
      metric: 'revenue_usd',
      bucket: '1m',
      split: 'country',
      series: 10,
      event_type: 'purchase',
      from: '2025-03-01T09:00:00.000Z',
      to: '2025-03-01T09:30:00.000Z',
    });
  });

  it('checks metric, split, series and event_type against their allow-lists', () => {
    expectRefused(
      'timeseries',
      { metric: 'revenue' },
      'metric',
      /must be one of events, revenue_usd, quantity, bot_events, active_users, active_sessions \(got "revenue"\)/,
    );
    expectRefused('timeseries', { split: 'sku' }, 'split', /must be one of event_type, category, country, device_class/);
    expectRefused('timeseries', { split: 'country; DROP TABLE events' }, 'split', /must be one of/);
    for (const series of ['0', '21', 'ten', '-1', '1e1', '']) {
      expectRefused('timeseries', { split: 'country', series }, 'series', /must be a whole number from 1 to 20/);
    }
    expectRefused(
      'timeseries',
      { series: '5' },
      'series',
      /applies only with split \(one of event_type, category, country, device_class\)/,
    );
    expectRefused(
      'timeseries',
      { event_type: 'refund' },
      'event_type',
      /must be one of page_view, product_view, search, add_to_cart, checkout, purchase/,
    );
  });

  it('checks the bucket: 1s to 1h, whole minutes from a minute, at most 1440 per window', () => {
    expectRefused('timeseries', { bucket: 'fast' }, 'bucket', /must be a duration/);
    expectRefused('timeseries', { bucket: '2h' }, 'bucket', /must be from 1s to 1h \(got 2h\)/);
    expectRefused('timeseries', { bucket: '90s' }, 'bucket', /buckets of a minute or more must be whole minutes \(got 90s\)/);
    expectRefused('timeseries', { bucket: '1s', last: '1h' }, 'bucket', /makes 3601 buckets of 1s; at most 1440/);
    expect(prepareNamedQuery('timeseries', { bucket: '1s', last: '20m' }, NOW).params.bucket).toBe('1s');
    expect(prepareNamedQuery('timeseries', { bucket: '1h', last: '31d' }, NOW).params.bucket).toBe('1h');
  });

  it('reads raw events over a day at most', () => {
    expectRefused('timeseries', { metric: 'active_users', bucket: '1h', last: '2d' }, 'last', /at most 1d/);
    expectRefused(
      'timeseries',
      { bucket: '30s', from: '2025-02-28T00:00:00Z', to: '2025-02-28T13:00:00Z' },
      'bucket',
      /makes 1560 buckets/,
    );
    expect(() => prepareNamedQuery('timeseries', { metric: 'events', bucket: '1h', last: '2d' }, NOW)).not.toThrow();
  });
});

describe('top', () => {
  it('requires a dimension from the allow-list', () => {
    expectRefused('top', {}, 'dimension', /is required: one of event_type, category, country, device_class, sku, browser, os/);
    expectRefused(
      'top',
      { dimension: 'user_id' },
      'dimension',
      /must be one of event_type, category, country, device_class, sku, browser, os \(got "user_id"\)/,
    );
  });

  it('checks metric, n and event_type', () => {
    expectRefused('top', { dimension: 'sku', metric: 'price' }, 'metric', /must be one of events, revenue_usd/);
    for (const n of ['0', '101', 'all', '5.5']) expectRefused('top', { dimension: 'sku', n }, 'n', /must be a whole number from 1 to 100/);
    expectRefused('top', { dimension: 'sku', event_type: 'PURCHASE' }, 'event_type', /must be one of page_view/);
    expectRefused('top', { dimension: 'browser', last: '2d' }, 'last', /at most 1d/);
  });

  it('fills defaults and aligns the window to minutes', () => {
    expect(prepareNamedQuery('top', { dimension: 'sku', n: '100', last: '1h' }, NOW).params).toEqual({
      dimension: 'sku',
      metric: 'events',
      n: 100,
      last: '1h',
      from: '2025-03-01T11:00:00.000Z',
      to: '2025-03-01T12:01:00.000Z',
    });
    // Rollup-backed top-N may look back 31 days.
    expect(() => prepareNamedQuery('top', { dimension: 'country', metric: 'revenue_usd', last: '31d' }, NOW)).not.toThrow();
  });
});

describe('funnel', () => {
  it('counts by session or user, over a day at most', () => {
    expect(prepareNamedQuery('funnel', {}, NOW).params).toEqual({
      by: 'session',
      from: '2025-03-01T11:45:00.000Z',
      to: '2025-03-01T12:01:00.000Z',
    });
    expectRefused('funnel', { by: 'device' }, 'by', /must be one of session, user \(got "device"\)/);
    expectRefused('funnel', { last: '25h' }, 'last', /at most 1d/);
  });
});

describe('freshness', () => {
  it('defaults to the last 5 minutes', () => {
    expect(prepareNamedQuery('freshness', {}, NOW).params).toEqual({ from: '2025-03-01T11:55:00.000Z', to: '2025-03-01T12:01:00.000Z' });
  });

  it('takes a bucket of whole minutes up to an hour, at most 1440 per window', () => {
    expectRefused('freshness', { bucket: '30s' }, 'bucket', /must be whole minutes from 1m to 1h \(got 30s\)/);
    expectRefused('freshness', { bucket: '2h' }, 'bucket', /must be whole minutes from 1m to 1h/);
    expectRefused('freshness', { bucket: '1m', last: '2d' }, 'bucket', /at most 1440/);
    expect(prepareNamedQuery('freshness', { bucket: '15m', last: '1h' }, NOW).params).toEqual({
      bucket: '15m',
      last: '1h',
      from: '2025-03-01T11:00:00.000Z',
      to: '2025-03-01T12:15:00.000Z',
    });
  });
});

describe('pipeline', () => {
  it('reads the exact window, unaligned', () => {
    expect(prepareNamedQuery('pipeline', { last: '10m' }, NOW).params).toEqual({
      last: '10m',
      from: '2025-03-01T11:50:30.500Z',
      to: '2025-03-01T12:00:30.500Z',
    });
  });
});
