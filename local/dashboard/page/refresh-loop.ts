/**
 * Every 2 s, asks each widget's query that is due and not still running, and draws each answer
 * as it arrives: a slow query holds up only its own widget. The banner and the status dot say
 * whether the last refresh went well.
 */
import { ApiError, getJson } from './api-client.js';
import { requireElement } from './dom.js';
import { clock } from './format.js';
import { REFRESH_MS } from './settings.js';
import type { WidgetView } from './widgets/widget-view.js';

export interface ScheduledView {
  readonly view: WidgetView;
  readonly everyMs: number;
}

interface Entry extends ScheduledView {
  running: boolean;
  askedAt: number;
}

/** Asks one widget's question and draws the answer; the widget says why when that fails. */
async function ask(entry: Entry): Promise<void> {
  entry.running = true;
  entry.askedAt = performance.now();
  try {
    const answer = await getJson(entry.view.request());
    try {
      entry.view.render(answer);
    } catch (error) {
      entry.view.fail('the answer could not be drawn');
      throw new ApiError(200, `an answer could not be drawn (${error instanceof Error ? error.message : String(error)})`);
    }
  } catch (error) {
    if (error instanceof ApiError && error.status !== 200) entry.view.fail(error.message);
    throw error;
  } finally {
    entry.running = false;
  }
}

/** What the banner says about the failures of one refresh. */
function failureMessage(failures: readonly unknown[], asked: number, lastGood: Date | null): string {
  const statusOf = (failure: unknown) => (failure instanceof ApiError ? failure.status : undefined);
  if (failures.every((f) => statusOf(f) === 0)) {
    const since = lastGood ? ` The figures shown are from ${clock.format(lastGood)}.` : '';
    return `The dashboard server cannot be reached: is the twin still running? Retrying every ${REFRESH_MS / 1000} s.${since}`;
  }
  const first = failures[0];
  const message = first instanceof Error ? first.message : String(first);
  const status = statusOf(first);
  return `${failures.length} of ${asked} queries failed: ${message}${status ? ` (HTTP ${status})` : ''}. Retrying every ${REFRESH_MS / 1000} s.`;
}

export function startRefreshLoop(views: readonly ScheduledView[]): void {
  const schedule: Entry[] = views.map((entry) => ({ ...entry, running: false, askedAt: Number.NEGATIVE_INFINITY }));
  const banner = requireElement('[data-testid="api-error"]');
  const dot = requireElement('[data-testid="status-dot"]');
  const lastRefresh = requireElement('[data-testid="last-refresh"]');
  let lastGood: Date | null = null;

  async function refresh(): Promise<void> {
    const started = performance.now();
    const due = schedule.filter((e) => !e.running && started - e.askedAt >= e.everyMs - REFRESH_MS / 2);
    const outcomes = await Promise.allSettled(due.map(ask));
    const failures = outcomes.flatMap((o): unknown[] => (o.status === 'rejected' ? [o.reason] : []));
    const now = new Date();
    const took = Math.round(performance.now() - started);
    if (failures.length === 0) {
      lastGood = now;
      banner.hidden = true;
      dot.dataset.state = 'ok';
    } else {
      banner.textContent = failureMessage(failures, due.length, lastGood);
      banner.hidden = false;
      dot.dataset.state = 'error';
    }
    lastRefresh.textContent = `Updated ${clock.format(now)} · ${due.length} queries in ${took} ms`;
    lastRefresh.dataset.time = now.toISOString();
    lastRefresh.dataset.tookMs = String(took);
    lastRefresh.dataset.queries = String(due.length);
  }

  void refresh();
  setInterval(() => void refresh(), REFRESH_MS);
}
