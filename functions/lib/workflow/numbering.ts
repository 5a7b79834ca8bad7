/**
 * Facts about phone numbers the workflow needs: country calling codes (from libphonenumber-js's
 * metadata, not a hand-kept table) and how a line's number type is named in each Plivo API.
 */
import { getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { PoolNumberType } from '../plivo/client.js';
import type { AccountNumber } from '../plivo/schemas.js';
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

/** Country of an E.164 number written without '+'. */
export function countryOf(number: string): string | undefined {
  return parsePhoneNumberFromString(`+${number}`)?.country;
}

/** The kind of number a line (or a delivery it expects) asks for. */
export interface NumberKind {
  countryIso: string;
  numberType: LineNumberType;
  /** Digits after the calling code. */
  prefix?: string | null | undefined;
  region?: string | null | undefined;
}

/** Whether an account number is of a kind: country, type, prefix and region. */
export function matchesKind(kind: NumberKind, number: Pick<AccountNumber, 'number' | 'number_type' | 'region'>): boolean {
  if (countryOf(number.number) !== kind.countryIso) return false;
  if (!isOfLineType(kind.numberType, number.number_type)) return false;
  if (kind.prefix && !number.number.startsWith(`${callingCode(kind.countryIso)}${kind.prefix}`)) return false;
  if (kind.region && !(number.region ?? '').toLowerCase().includes(kind.region.toLowerCase())) return false;
  return true;
}

/** A kind as one key: `{country}#{type}#{prefix}` (what rents of a group yield, as the account lists them). */
export function kindKey(kind: Pick<NumberKind, 'countryIso' | 'numberType' | 'prefix'>): string {
  return `${kind.countryIso}#${kind.numberType}#${kind.prefix ?? ''}`;
}

/** The kind of number rents of one of a line's planned groups yield. */
export function kindOfGroup(
  line: { spec: Pick<NumberKind, 'countryIso' | 'numberType' | 'prefix'>; plan: readonly { groupId: string; prefix: string | null }[] },
  groupId: string,
): NumberKind & { prefix: string | null } {
  const group = line.plan.find((g) => g.groupId === groupId);
  return { countryIso: line.spec.countryIso, numberType: line.spec.numberType, prefix: group?.prefix ?? line.spec.prefix ?? null };
}
