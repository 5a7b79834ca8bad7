/**
 * Building the CDK app in tests exactly as `cdk synth` does: the feature flags and settings of
 * cdk.json's context, plus the test's own context. Synthesizing bundles every function with
 * esbuild (~1.5 s each here); a suite that does not look at bundles passes `bundle: false`, which
 * sets CDK's own `aws:cdk:bundling-stacks` context to none (what `cdk deploy --exclusively` uses
 * for stacks it skips): assets then point at the sources, nothing is built.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, type NumberOrdersStack } from '../../infra/stack/number-orders-stack.js';

export const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { app: string; context: Record<string, unknown> };

export interface SynthOptions {
  context?: Record<string, unknown>;
  /** @default true */
  bundle?: boolean;
}

export interface Synthesized {
  app: App;
  stack: NumberOrdersStack;
  template: Template;
  /** The cloud assembly's directory (assets, templates). */
  outdir: string;
}

export function synth(options: SynthOptions = {}): Synthesized {
  const app = new App({
    context: {
      ...cdkJson.context,
      ...(options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {}),
      ...options.context,
    },
  });
  const { stack } = buildApp(app);
  const template = Template.fromStack(stack);
  return { app, stack, template, outdir: app.outdir };
}

/** `{ "Fn::GetAtt": [logicalId, "Arn"] }` → logicalId (and `{ Ref }` → logicalId). */
export function referencedId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.Ref === 'string') return record.Ref;
  const getAtt = record['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  return undefined;
}

export interface PolicyStatementJson {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

export function actionsOf(statement: PolicyStatementJson): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

export function resourcesOf(statement: PolicyStatementJson): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

/** Every statement of every inline policy attached to the role `roleId`. */
export function statementsOfRole(template: Template, roleId: string): PolicyStatementJson[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((policy) => (policy.Properties.Roles as unknown[]).some((role) => referencedId(role) === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as PolicyStatementJson[]);
}

/** The repository modules `file` imports (relative imports only; `./x.js` → `dir/x.ts`). */
function importsOf(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const specifiers = [...source.matchAll(/(?:\bfrom\s+|\bimport\s*\(?\s*)'(\.{1,2}\/[^']+)'/g)].map((match) => match[1] as string);
  return specifiers.map((specifier) => normalize(join(dirname(file), specifier.replace(/\.js$/, '.ts')))).filter((path) => existsSync(path));
}

/** `entry` (a path from the repository root, e.g. `functions/rebalance/handler.ts`) and every module it imports, transitively. */
export function importClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const pending = [normalize(entry)];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    pending.push(...importsOf(file));
  }
  return seen;
}

const STORE_DIR = join('functions', 'lib', 'store');
const isStoreModule = (file: string) => file.startsWith(`${STORE_DIR}/`);

/** `new DeleteCommand(`, or a transaction's `Delete` item. */
const sendsDelete = (code: string) => /new DeleteCommand\(/.test(code) || (/TransactWriteCommand/.test(code) && /\bDelete: \{/.test(code));

const METHOD_START = /^ {2}(?:(?:async|private|public|static|get|set)\s+)*(\w+)\s*[(<]/gm;

/**
 * The repositories' methods, by `key.method` (the repository's key in createStores, so that two
 * repositories' methods of one name stay apart): the text from each method's first line to the next.
 */
function storeMethods(): Map<string, string> {
  const factory = readFileSync(join(STORE_DIR, 'stores.ts'), 'utf8');
  const keyOf = new Map([...factory.matchAll(/(\w+): new (\w+)\(/g)].map((m) => [m[2] as string, m[1] as string]));
  const methods = new Map<string, string>();
  for (const file of readdirSync(STORE_DIR).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(join(STORE_DIR, file), 'utf8');
    for (const declared of source.matchAll(/^export class (\w+)/gm)) {
      const key = keyOf.get(declared[1] as string);
      if (key === undefined) continue;
      const end = source.indexOf('\n}\n', declared.index);
      const body = source.slice(declared.index, end === -1 ? source.length : end);
      const starts = [...body.matchAll(METHOD_START)];
      for (const [index, match] of starts.entries()) methods.set(`${key}.${match[1] as string}`, body.slice(match.index, starts[index + 1]?.index ?? body.length));
    }
  }
  return methods;
}

/**
 * The modules of functions/ whose code can delete a table item: those that send a delete — except
 * the store's repositories, which every function imports: they are read method by method, and the
 * modules that call one of their deleting methods (directly or through another method of the same
 * repository) count instead.
 */
export function deletingModules(): Set<string> {
  const methods = storeMethods();
  const deleting = new Set([...methods].filter(([, body]) => sendsDelete(body)).map(([name]) => name));
  for (let grown = true; grown; ) {
    grown = false;
    for (const [name, body] of methods) {
      const key = `${name.split('.')[0] ?? ''}.`;
      if (!deleting.has(name) && [...deleting].some((d) => d.startsWith(key) && body.includes(`this.${d.slice(key.length)}(`))) {
        deleting.add(name);
        grown = true;
      }
    }
  }
  const files = (readdirSync('functions', { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => join('functions', f));
  return new Set(
    files.filter((file) => {
      if (isStoreModule(file)) return false;
      const source = readFileSync(file, 'utf8');
      return sendsDelete(source) || [...deleting].some((name) => source.includes(`.${name}(`));
    }),
  );
}
