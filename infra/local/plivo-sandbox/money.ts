/**
 * Plivo prices are strings with five decimals ("0.50000"). Sums are kept in integer units of
 * 0.00001 USD so that adding 100,000 rents gives exactly what a bill would, with no float drift.
 */

const UNITS_PER_DOLLAR = 100_000;

/** "0.50000" → 50000. */
export function toUnits(rate: string): number {
  const match = /^(\d+)(?:\.(\d{1,5}))?$/.exec(rate);
  if (!match) throw new Error(`not a price with at most 5 decimals: "${rate}"`);
  return Number(match[1]) * UNITS_PER_DOLLAR + Number((match[2] ?? '').padEnd(5, '0'));
}

/** 50000 → 0.5 (a JSON number rounded to 5 decimals, for the admin state). */
export function unitsToNumber(units: number): number {
  return Number((units / UNITS_PER_DOLLAR).toFixed(5));
}
