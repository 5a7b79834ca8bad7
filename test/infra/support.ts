/**
 * Building the CDK app in tests exactly as `cdk synth` does: the feature flags and settings of
 * cdk.json's context, plus the test's own context. Synthesizing bundles every function with
 * esbuild (~1.5 s each here); a suite that does not look at bundles passes `bundle: false`, which
 * sets CDK's own `aws:cdk:bundling-stacks` context to none (what `cdk deploy --exclusively` uses
 * for stacks it skips): assets then point at the sources, nothing is built.
 */
import { readFileSync } from 'node:fs';
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
  /** What the synthesis printed (bundling lines, the validation report of warnings): kept for tests, not shown. */
  output: string;
}

/**
 * Runs `build` with what it writes to stdout, stderr and the console kept instead of shown: CDK prints a line per
 * bundled asset and a validation report of its warnings straight to the process's streams, with no
 * setting to silence them, and a test run shows them as if something had failed. Hand-written: no
 * library captures a synchronous block's writes to both streams.
 */
export function quietly<T>(build: () => T): { result: T; output: string } {
  const chunks: string[] = [];
  const streams = [process.stdout, process.stderr];
  const writes = streams.map((stream) => stream.write);
  const keep = (chunk: unknown, ...rest: unknown[]): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    const done = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    done?.();
    return true;
  };
  // The validation report goes through console.error, which the test runner sends on its own way.
  const methods = ['log', 'info', 'warn', 'error'] as const;
  const consoleMethods = methods.map((method) => console[method]);
  for (const stream of streams) stream.write = keep as typeof stream.write;
  for (const method of methods) console[method] = (...args: unknown[]) => void keep(`${args.map(String).join(' ')}\n`);
  try {
    return { result: build(), output: chunks.join('') };
  } finally {
    streams.forEach((stream, i) => {
      stream.write = writes[i] as typeof stream.write;
    });
    methods.forEach((method, i) => {
      console[method] = consoleMethods[i] as (typeof console)[typeof method];
    });
  }
}

export function synth(options: SynthOptions = {}): Synthesized {
  const app = new App({
    context: {
      ...cdkJson.context,
      ...(options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {}),
      ...options.context,
    },
  });
  const { result, output } = quietly(() => {
    const { stack } = buildApp(app);
    return { stack, template: Template.fromStack(stack) };
  });
  return { app, ...result, outdir: app.outdir, output };
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
