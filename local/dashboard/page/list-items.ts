/** The items widgets list: legend entries, horizontal bars, and the line shown when a list is empty. */
import { el } from './dom.js';

/** A chart legend entry: swatch, key and amount; data-value is the number the amount shows. */
export function legendItem(testId: string, key: string, color: string, value: number, text: string): HTMLLIElement {
  return el(
    'li',
    { testId, data: { key, value } },
    el('span', { className: 'swatch', style: { background: color } }),
    el('span', {}, key),
    el('span', { className: 'amount' }, text),
  );
}

/** A bar whose length is `fraction` (clamped to 0..1) of the track. */
export function barItem(testId: string, key: string, label: string, value: number, text: string, fraction: number): HTMLLIElement {
  return el(
    'li',
    { testId, data: { key, value } },
    el('span', { className: 'name', title: `${label} (${key})` }, label, el('span', { className: 'key' }, label === key ? '' : key)),
    el('span', { className: 'amount' }, text),
    el(
      'span',
      { className: 'track' },
      el('span', { className: 'fill', style: { width: `${(Math.max(0, Math.min(1, fraction)) * 100).toFixed(1)}%` } }),
    ),
  );
}

export function emptyItem(text: string): HTMLLIElement {
  return el('li', { className: 'empty' }, text);
}
