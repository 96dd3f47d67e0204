/** What the refresh loop asks of every widget. */
import type { QueryResult } from '../../../../src/analytics/index.js';

export interface WidgetView {
  /** The URL of the question to ask now. */
  request(): string;
  /** Draws an answer to that question. */
  render(result: QueryResult): void;
  /** Says the widget was not updated, and why; it keeps what it showed. */
  fail(message: string): void;
}
