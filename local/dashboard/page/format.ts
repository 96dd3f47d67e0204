/** How numbers and times read on the page (en-US numbers, 24-hour clock). */

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const usdCompact = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', notation: 'compact', maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
export const clock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
export const minuteClock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' });

/** "–" stands for a figure that is not known. */
export const fmt = {
  count: (n: number): string => number.format(n),
  usd: (n: number): string => usd.format(n),
  usdCompact: (n: number): string => usdCompact.format(n),
  pct: (r: number | null | undefined): string => (r === null || r === undefined ? '–' : percent.format(r)),
  ms: (n: number | null | undefined): string => (n === null || n === undefined ? '–' : `${number.format(n)} ms`),
  rate: (n: number | null): string => (n === null ? '–' : n < 10 ? oneDecimal.format(n) : number.format(n)),
};
