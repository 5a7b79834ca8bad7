/**
 * zod building blocks for Plivo's request parameters. Every failure message names the parameter
 * and says what it must be ("prefix must be numeric and at most 5 digits"), because that message
 * is what a client shows its user. Parameters arrive as query text, form text or JSON values, so
 * each block first turns numbers and booleans into text; an empty value counts as absent
 * (`?prefix=` filters nothing) unless the block says otherwise.
 */
import { z } from 'zod';
import { badRequest, type Params } from './http.js';

function asText(keepBlank: boolean) {
  return (value: unknown): unknown => {
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    // JSON null means "clear it" where blanks are kept (app_id: null unlinks the application).
    if (value === null) return keepBlank ? '' : undefined;
    if (value === '' && !keepBlank) return undefined;
    return value;
  };
}

/** Text, or undefined when absent (or blank, unless `keepBlank`). */
function maybeText(name: string, keepBlank = false) {
  return z.preprocess(asText(keepBlank), z.string({ error: `${name} must be text` }).optional());
}

/** Optional text; `keepBlank` keeps "" (an update that clears a value). */
export const optionalText = (name: string, keepBlank = false) => maybeText(name, keepBlank);

/** Required text. */
export const requiredText = (name: string) =>
  z.preprocess(
    asText(false),
    z.string({ error: (issue) => (issue.input === undefined ? `${name} is required` : `${name} must be text`) }),
  );

/** Text matching `pattern`, or absent. */
export const optionalPattern = (name: string, pattern: RegExp, message: string) =>
  maybeText(name).pipe(z.string().regex(pattern, { error: message }).optional());

/** One of `values` (case-insensitive), or undefined when absent. */
export function enumParam<const T extends readonly [string, ...string[]]>(name: string, values: T) {
  return z.preprocess(
    (value) => {
      const text = asText(false)(value);
      return typeof text === 'string' ? text.toLowerCase() : text;
    },
    z.enum(values, { error: `${name} must be one of ${values.join(', ')}` }).optional(),
  );
}

/** A whole number in [min, max], or `fallback` (undefined if none) when absent. */
export function intParam(name: string, options: { min: number; max?: number; fallback?: number; message?: string }) {
  const range = options.max === undefined ? `at least ${options.min}` : `from ${options.min} to ${options.max}`;
  const message = options.message ?? `${name} must be a whole number ${range}`;
  const whole = z
    .string()
    .regex(/^\d+$/, { error: message })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(options.min, { error: message })
        .max(options.max ?? Number.MAX_SAFE_INTEGER, { error: message }),
    );
  return maybeText(name)
    .pipe(whole.optional())
    .transform((value) => value ?? options.fallback);
}

/** `limit`: 1..20, 20 when absent (Plivo's page size cap). */
export const limitParam = () =>
  intParam('limit', { min: 1, max: 20, fallback: 20, message: 'limit must be a whole number from 1 to 20 (at most 20 results per page)' }).transform(
    (value) => value ?? 20,
  );

/** `offset`: 0 or more, 0 when absent. */
export const offsetParam = () =>
  intParam('offset', { min: 0, fallback: 0, message: 'offset must be a whole number, 0 or more' }).transform((value) => value ?? 0);

/** true/false (JSON booleans or text in any case), or `fallback` when absent. */
export function booleanParam(name: string, fallback: boolean) {
  return z
    .preprocess(
      (value) => {
        const text = asText(false)(value);
        return typeof text === 'string' ? text.toLowerCase() : text;
      },
      z.enum(['true', 'false'], { error: `${name} must be true or false` }).optional(),
    )
    .transform((value) => (value === undefined ? fallback : value === 'true'));
}

/** A comma-separated subset of `allowed` ("voice,sms"), as a list; undefined when absent. */
export function listParam<const T extends readonly string[]>(name: string, allowed: T) {
  const message = `${name} must be a comma-separated list of ${allowed.join(', ')}`;
  return maybeText(name).pipe(
    z
      .string()
      .transform((text, ctx): T[number][] => {
        const items = text
          .split(',')
          .map((item) => item.trim().toLowerCase())
          .filter((item) => item !== '');
        const wrong = items.filter((item) => !allowed.includes(item));
        if (items.length === 0 || wrong.length > 0) ctx.addIssue({ code: 'custom', message });
        return items as T[number][];
      })
      .optional(),
  );
}

/**
 * Validates `params` against `schema`.
 * @throws ApiError 400 with the first problem's message.
 */
export function parseParams<S extends z.ZodType>(schema: S, params: Params): z.output<S> {
  const result = schema.safeParse(params);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : '';
  const message = issue?.message ?? 'invalid parameters';
  throw badRequest(where !== '' && !message.includes(where) ? `${where}: ${message}` : message);
}
