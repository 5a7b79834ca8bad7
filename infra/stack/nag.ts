/**
 * cdk-nag's AwsSolutions pack. cdk-nag 3 runs as a CDK validation plugin (`Validations.of(app)`,
 * the successor of v2's Aspect): `cdk synth` prints every finding that is not acknowledged and
 * exits non-zero. Acknowledgments are made where the finding arises, next to the code that causes
 * it, each with its reason — `explain` below is the only way this project makes one.
 */
import { Stack, Validations, type App } from 'aws-cdk-lib';
import type { CfnResource } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** Registers the AwsSolutions checks on the whole app (verbose: findings carry their explanation). */
export function checkWithCdkNag(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
}

/**
 * Acknowledges one AwsSolutions finding on `scope` and everything below it, with the reason.
 * `rule` is the finding's id as cdk-nag prints it, e.g. `AwsSolutions-SMG4` or
 * `AwsSolutions-IAM5[Resource::*]` (cdk-nag 3 has no prefix matching: each finding is named).
 */
export function explain(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: rule, reason });
  const root = scope.node.root;
  explained.set(root, (explained.get(root) ?? 0) + 1);
}

/** Findings acknowledged with a reason, by app (the construct tree's root). */
const explained = new WeakMap<IConstruct, number>();

/**
 * The line `npm run synth` ends with, once the synthesis passed: cdk-nag ran, and how many of its
 * findings are acknowledged with a reason (an unexplained finding fails the synthesis instead).
 */
export function nagSummary(app: App): string {
  const count = explained.get(app.node.root) ?? 0;
  return `cdk-nag AwsSolutions checks passed: no unexplained finding; ${count} ${count === 1 ? 'finding is' : 'findings are'} acknowledged with a reason (docs/deploy.md lists them)`;
}

/** How cdk-nag names a `Fn::GetAtt` of `resource` in a finding, e.g. `<RentFunctionAB12.Arn>`. */
export function nagAttributeName(resource: CfnResource, attribute: string): string {
  return `<${Stack.of(resource).getLogicalId(resource)}.${attribute}>`;
}
