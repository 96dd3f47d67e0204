/** ISO 4217 currency codes, from the runtime's ICU data rather than a list of our own. */
const ISO_CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

/** Upper-cases a currency code; null when it is not an ISO 4217 code. */
export function normaliseCurrency(code: string): string | null {
  if (code.length !== 3) return null;
  const upper = code.toUpperCase();
  return ISO_CURRENCIES.has(upper) ? upper : null;
}
