/**
 * Facts about phone numbers the workflow needs: country calling codes (from libphonenumber-js's
 * metadata, not a hand-kept table) and how a line's number type is named in each Plivo API.
 */
import { getCountryCallingCode, type CountryCode } from 'libphonenumber-js';
import type { PoolNumberType } from '../plivo/client.js';
import type { LineNumberType } from '../orders/model.js';

export function callingCode(countryIso: string): string {
  return getCountryCallingCode(countryIso as CountryCode);
}

/** The pool list's `type` filter for a line's number type (local and national count as "fixed"). */
export function poolTypeOf(numberType: LineNumberType): PoolNumberType {
  if (numberType === 'tollfree') return 'toll-free';
  if (numberType === 'mobile') return 'mobile';
  return 'fixed';
}

/**
 * The account list's `type` filter for a line's number type. None for local lines: Plivo lists
 * some local numbers as `fixed` (its own examples show a US local number typed so), and a
 * `type=local` filter would miss them — they would stay in the account, paid for and owned by
 * no order. Local lines filter with `isOfLineType` instead.
 */
export function accountTypeFilter(numberType: LineNumberType): { type?: string } {
  return numberType === 'local' ? {} : { type: numberType };
}

/** Whether an account number's listed `number_type` serves a line's type (`fixed` counts as local). */
export function isOfLineType(numberType: LineNumberType, listedType: string | undefined | null): boolean {
  const type = listedType ?? '';
  return numberType === 'local' ? type === 'local' || type === 'fixed' : type === numberType;
}

/** Toll-free numbers go through the pool's Tollfree resource; the rest through Number. */
export function isTollfree(numberType: LineNumberType): boolean {
  return numberType === 'tollfree';
}
