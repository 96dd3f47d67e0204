/**
 * Sample rates: US dollars per unit of each currency (approximate mid-market, late 2025). The
 * store's currency_rates table is the source at run time; this only seeds it.
 */
export const SAMPLE_USD_RATES: Readonly<Record<string, number>> = {
  USD: 1,
  EUR: 1.16,
  GBP: 1.32,
  JPY: 0.0065,
  CAD: 0.71,
  AUD: 0.65,
  CHF: 1.25,
  SEK: 0.105,
  NOK: 0.099,
  DKK: 0.155,
  PLN: 0.27,
  INR: 0.0113,
  BRL: 0.187,
  MXN: 0.054,
  SGD: 0.77,
  KRW: 0.00069,
  ZAR: 0.057,
  NZD: 0.57,
};
