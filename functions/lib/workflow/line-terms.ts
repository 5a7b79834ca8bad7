/**
 * What a number must meet to serve a line, whichever way it is rented (a group rent or a buy of
 * one number): the services the line and the order's pool need, and the order's price caps.
 */
import type { OrderLine } from '../orders/model.js';
import type { OrderItem } from '../store/items.js';

/** Plivo writes money as a string, sometimes a number; anything else is no price. */
export function rateOf(value: string | number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const amount = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(amount) && amount >= 0 ? amount : null;
}

/** Whether monthly and setup rates are within the order's caps (an unknown rate never is, when capped). */
export function withinRateCaps(monthlyRate: string | number | null | undefined, setupRate: string | number | null | undefined, order: OrderItem): boolean {
  const monthly = rateOf(monthlyRate);
  const setup = rateOf(setupRate);
  const maxMonthly = order.request.maxMonthlyRate === undefined ? null : Number(order.request.maxMonthlyRate);
  const maxSetup = order.request.maxSetupRate === undefined ? null : Number(order.request.maxSetupRate);
  if (maxMonthly !== null && (monthly === null || monthly > maxMonthly)) return false;
  if (maxSetup !== null && (setup === null || setup > maxSetup)) return false;
  return true;
}

/** The order's price caps in words (`maxMonthlyRate 0.50, maxSetupRate 0.00`), or '' when it has none. */
export function describeRateCaps(order: OrderItem): string {
  const { maxMonthlyRate, maxSetupRate } = order.request;
  return [maxMonthlyRate === undefined ? '' : `maxMonthlyRate ${maxMonthlyRate}`, maxSetupRate === undefined ? '' : `maxSetupRate ${maxSetupRate}`].filter(Boolean).join(', ');
}

/** Whether the order caps prices at all. */
export function capsPrices(order: OrderItem): boolean {
  return order.request.maxMonthlyRate !== undefined || order.request.maxSetupRate !== undefined;
}

/** Services every number of the line must have: those asked for, plus the pool's service. */
export function servicesOf(spec: OrderLine, service: 'sms' | 'mms'): string {
  return [...new Set([...(spec.services ?? []), service])].sort().join(',');
}
