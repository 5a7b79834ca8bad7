/**
 * zod issues as the API reports them: a dotted field path and a message a person can act on.
 * zod's own messages ("Invalid input: expected string, received undefined") are rewritten; the
 * messages our schemas set themselves ("must be a whole number") are kept.
 */
import type { z } from 'zod';
import type { FieldIssue } from '../errors.js';

type Issue = z.core.$ZodIssue;

/** Where the failing value came from; shapes the top-level message. */
export type IssueSource = 'body' | 'query' | 'header' | 'path';

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function withArticle(noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

const typeNames: Record<string, string> = { int: 'whole number', bigint: 'whole number', nan: 'number' };

function sizeMessage(issue: Extract<Issue, { code: 'too_big' | 'too_small' }>): string {
  const big = issue.code === 'too_big';
  const limit = big ? issue.maximum : issue.minimum;
  const bound = big ? (issue.inclusive === false ? 'less than' : 'at most') : issue.inclusive === false ? 'more than' : 'at least';
  const plural = (noun: string) => `${String(limit)} ${noun}${Number(limit) === 1 ? '' : 's'}`;
  switch (issue.origin) {
    case 'string':
      return `must be ${bound} ${plural('character')} long`;
    case 'array':
    case 'set':
      return `must hold ${bound} ${plural('item')}`;
    default:
      return `must be ${bound} ${String(limit)}`;
  }
}

function message(issue: Issue, input: unknown, source: IssueSource): string {
  const isDefault = /^(Invalid|Too (big|small)|Unrecognized)/.test(issue.message);
  switch (issue.code) {
    case 'invalid_type':
      if (valueAt(input, issue.path) === undefined) return 'is required';
      return isDefault ? `must be ${withArticle(typeNames[issue.expected] ?? issue.expected)}` : issue.message;
    case 'invalid_value':
      return isDefault ? `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` : issue.message;
    case 'too_big':
    case 'too_small':
      return isDefault ? sizeMessage(issue) : issue.message;
    case 'invalid_format':
      return isDefault ? `must be a valid ${issue.format}` : issue.message;
    case 'unrecognized_keys':
      return source === 'query' ? 'is not a known query parameter' : 'is not a known field';
    default:
      return issue.message;
  }
}

/**
 * An issue as reported: a union that no branch matched ("Invalid input") is replaced by the issues
 * of the branch that came closest (fewest issues; the first of equals), so `{"outcome":"rejected"}`
 * says `reason: is required` rather than `body: Invalid input`.
 */
function reported(issue: Issue): Issue[] {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
  const closest = issue.errors.reduce((best, branch) => (branch.length < best.length ? branch : best));
  return closest.flatMap((inner) => reported({ ...inner, path: [...issue.path, ...inner.path] } as Issue));
}

/** Flattens zod issues into field issues, one per unknown key. `input` is what was validated. */
export function fieldIssues(error: z.ZodError, input: unknown, source: IssueSource = 'body'): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const issue of error.issues.flatMap(reported)) {
    const base = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push({ path: [...base, key].join('.'), message: message(issue, input, source) });
      continue;
    }
    issues.push({ path: base.join('.'), message: message(issue, input, source) });
  }
  return issues;
}

const sourceLabel: Record<IssueSource, string> = { body: '', query: 'query parameter ', header: 'header ', path: '' };

/** The top-level message: names the first field and its problem, and how many more there are. */
export function summarizeIssues(issues: readonly FieldIssue[], source: IssueSource = 'body'): string {
  const [first] = issues;
  if (!first) return 'request is not valid';
  const where = first.path === '' ? (source === 'body' ? 'body' : source) : `${sourceLabel[source]}${first.path}`;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more ${issues.length === 2 ? 'problem' : 'problems'})` : '';
  return `${where}: ${first.message}${more}`;
}
