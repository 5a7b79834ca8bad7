/**
 * The CLI's short form of an order line: `COUNTRY:TYPE[:FILTER…][:QUANTITY]`.
 *
 *   US:local:512:25            25 US local numbers starting 512
 *   CA:local::15               15 Canadian local numbers, any prefix
 *   US:local:region=Texas:10   10 US local numbers in Texas
 *   US:tollfree:800:5          5 US toll-free numbers starting 800
 *   GB:mobile:services=sms+voice:3
 *   US:local:numbers=14155550100,14155550101       exactly these two numbers
 *   FR:local:compliance=CA000000000000000001:5     5 French numbers under a compliance application
 *   US:local:512:campaign=CUOGHIN:10               10 numbers linked to a 10DLC campaign before the pool
 *
 * A filter is a prefix (digits, or `prefix=…`), `region=…`, `services=…` (joined by `+` or `,`),
 * `numbers=…` (E.164 digits without `+`, joined by `,`), `compliance=…` (a compliance application
 * id) or `campaign=…` (a 10DLC campaign id); an empty filter means none. The quantity may be left out when `numbers=` gives it (the
 * last part is then a filter). The result is checked with the API's own line schema, so the CLI
 * refuses what the API would refuse, with the same words.
 *
 * `US:local:512` is refused: the number could be a prefix or a quantity, and a wrong guess rents
 * hundreds of numbers. The message shows both unambiguous forms.
 */
import { fieldIssues, summarizeIssues } from '../../functions/lib/http/issues.js';
import { orderLineSchema, type OrderLine } from '../../functions/lib/orders/model.js';

export class LineSpecError extends Error {
  override readonly name = 'LineSpecError' as const;
}

export const LINE_SPEC_SYNTAX = 'COUNTRY:TYPE[:PREFIX|region=NAME|services=A+B|numbers=N,N|compliance=ID|campaign=ID]:QUANTITY';

/** Filter keys and the line field each sets. */
const FILTERS: Record<string, string> = { prefix: 'prefix', region: 'region', services: 'services', numbers: 'numbers', compliance: 'complianceApplicationId', campaign: 'campaignId' };

export function parseLineSpec(spec: string): OrderLine {
  function fail(why: string, syntaxHint = true): never {
    throw new LineSpecError(`--line "${spec}": ${why}${syntaxHint ? ` (expected ${LINE_SPEC_SYNTAX}, e.g. US:local:512:25)` : ''}`);
  }
  const parts = spec.split(':').map((part) => part.trim());
  if (parts.length < 3) fail('too few parts');
  const [country = '', numberType = ''] = parts;
  // The last part is the quantity, unless it is a filter (key=value): numbers= implies the quantity.
  const last = parts[parts.length - 1] ?? '';
  const quantityText = last.includes('=') ? undefined : last;
  if (parts.length === 3 && quantityText !== undefined && quantityText !== '') {
    const head = `${parts[0]}:${parts[1]}`;
    fail(
      `is ${quantityText} a prefix or a quantity? Write ${head}:${quantityText}:QUANTITY for numbers starting ${quantityText}, ` +
        `or ${head}::${quantityText} for ${quantityText} numbers with any prefix`,
      false,
    );
  }
  if (quantityText !== undefined && !/^[+-]?\d+(\.\d+)?(e\d+)?$/i.test(quantityText)) fail(`the quantity "${quantityText}" (the last part) is not a number`);
  const filters = parts.slice(2, quantityText === undefined ? parts.length : -1);

  const line: Record<string, unknown> = { countryIso: country.toUpperCase(), numberType: numberType.toLowerCase() };
  for (const filter of filters) {
    if (filter === '') continue;
    const eq = filter.indexOf('=');
    const key = eq === -1 ? 'prefix' : filter.slice(0, eq).trim().toLowerCase();
    const value = eq === -1 ? filter : filter.slice(eq + 1).trim();
    const field = FILTERS[key];
    if (field === undefined) fail(`unknown filter "${key}" (prefix, region, services, numbers, compliance or campaign)`);
    if (field in line) fail(`${key} is given twice`);
    if (key === 'services') line.services = value.split(/[+,]/).map((s) => s.trim().toLowerCase()).filter(Boolean);
    else if (key === 'numbers') line.numbers = value.split(',').map((n) => n.trim());
    else line[field] = value;
  }
  if (quantityText !== undefined) line.quantity = Number(quantityText);

  const result = orderLineSchema.safeParse(line);
  if (!result.success) fail(summarizeIssues(fieldIssues(result.error, line)), false);
  return result.data;
}
