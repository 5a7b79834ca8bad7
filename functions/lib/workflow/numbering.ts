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

/** The account list's `type` filter for a line's number type. */
export function accountTypeOf(numberType: LineNumberType): string {
  return numberType;
}

/** Toll-free numbers go through the pool's Tollfree resource; the rest through Number. */
export function isTollfree(numberType: LineNumberType): boolean {
  return numberType === 'tollfree';
}
