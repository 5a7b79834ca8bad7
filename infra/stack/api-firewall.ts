/**
 * The WAF web ACL in front of the API's stage — every route, the keyless `POST /webhooks/plivo`
 * included (it is a method of the same REST API and stage, see api.ts). Rules, in order:
 *
 * 0. `BodyTooLarge`: the request size limit. API Gateway REST APIs accept bodies up to 10 MB and
 *    have no setting of their own below that; the orders API accepts 256 KiB
 *    (`LIMITS.maxBodyBytes`) and its Lambda answers 413 beyond it. WAF inspects at most the first
 *    64 KiB of a body, so the rule reads the `Content-Length` header instead and refuses a larger
 *    declared size at the edge with the same 413 answer — before the request costs a Lambda
 *    invocation. (A request without Content-Length still meets the Lambda's own check.)
 * 1. `RateLimit`: one client address sending more than `rateLimitPer5Minutes` requests in five
 *    minutes is answered 429 until it slows down — above anything one API key may send (the usage
 *    plan allows 25 per second), so it stops floods (keyless ones, to the Plivo callback route, or
 *    that API Gateway's per-key throttling never sees) and nothing legitimate.
 * 2. `AWSManagedRulesCommonRuleSet` (AWS's baseline: cross-site scripting, local file inclusion,
 *    SSRF to the instance metadata address, bad user agents) — with `SizeRestrictions_BODY` only
 *    counted: it blocks bodies over 8 KB, and an order may be up to 256 KiB (rule 0 is the size
 *    limit).
 * 3. `AWSManagedRulesKnownBadInputsRuleSet`: request patterns of known exploits (Log4j JNDI
 *    lookups, Java deserialization, `localhost` host headers).
 *
 * Logging: every request's WAF verdict goes to a CloudWatch log group named `aws-waf-logs-…` (WAF
 * accepts no other name), with the API key header and Plivo's signature redacted.
 */
import { RemovalPolicy, Stack, ArnFormat } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { payloadTooLarge } from '../../functions/lib/http/errors.js';
import { stackInstanceId } from './state-machine.js';

/**
 * A regular expression (no lookaround, WAF-safe) that matches the decimal text of every integer
 * ≥ `min`, with optional leading zeros, and nothing else.
 */
export function integerAtLeastPattern(min: number): string {
  if (!Number.isSafeInteger(min) || min < 1) throw new Error(`integerAtLeastPattern: ${min} is not a positive integer`);
  const digits = String(min);
  const length = digits.length;
  const alternatives = [digits];
  for (let i = length - 1; i >= 0; i--) {
    const current = Number(digits[i]);
    if (current === 9) continue;
    const rest = length - i - 1;
    const tail = rest === 0 ? '' : rest === 1 ? '[0-9]' : `[0-9]{${rest}}`;
    // Same leading digits, a larger digit here, anything after it.
    alternatives.push(`${digits.slice(0, i)}[${current + 1}-9]${tail}`);
  }
  // Or more digits than `min` has.
  alternatives.push(`[1-9][0-9]{${length},}`);
  return `^0*(${alternatives.join('|')})$`;
}

export interface ApiFirewallProps {
  /** The stage to protect: its ARN (`arn:…:apigateway:region::/restapis/{id}/stages/{name}`). */
  stageArn: string;
  /** Requests declaring a larger body are refused with 413. */
  maxBodyBytes: number;
  /** Prefix of the WAF metric names and of the log group's name. */
  metricPrefix: string;
  /** Requests one address may send in 5 minutes before it is answered 429. @default DEFAULT_RATE_LIMIT_PER_5_MINUTES */
  rateLimitPer5Minutes?: number;
  logRetention: logs.RetentionDays;
}

/**
 * About 33 requests per second from one address, sustained for 5 minutes: above what one API key
 * may send (the usage plan's 25 per second is 7,500 in 5 minutes), below the stage's 50 per second.
 */
export const DEFAULT_RATE_LIMIT_PER_5_MINUTES = 10_000;

/** The managed rule groups, in the order they are evaluated. */
export const MANAGED_RULE_GROUPS = ['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet'] as const;

/** Headers WAF logs must not hold: the caller's API key, and Plivo's signature of the callback. */
export const REDACTED_HEADERS = ['x-api-key', 'x-plivo-signature-v3', 'x-plivo-signature-v3-nonce'] as const;

export class ApiFirewall extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  readonly logGroup: logs.LogGroup;
  /** The names of our own rules (the dashboard graphs them). */
  readonly ruleNames = { bodyTooLarge: 'BodyTooLarge', rateLimit: 'RateLimit' } as const;

  constructor(scope: Construct, id: string, props: ApiFirewallProps) {
    super(scope, id);
    const tooLargeBody = 'body-too-large';
    const tooManyRequests = 'too-many-requests';
    const visibility = (name: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: `${props.metricPrefix}-${name}`,
    });
    const managed = (name: (typeof MANAGED_RULE_GROUPS)[number], priority: number, ruleActionOverrides?: wafv2.CfnWebACL.RuleActionOverrideProperty[]): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name, ...(ruleActionOverrides ? { ruleActionOverrides } : {}) } },
      // A rule group's own actions apply (block), except the overrides.
      overrideAction: { none: {} },
      visibilityConfig: visibility(name),
    });
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      description: `number-orders API: bodies declared larger than ${props.maxBodyBytes} bytes, floods from one address, AWS common and known-bad-input rules`,
      defaultAction: { allow: {} },
      visibilityConfig: visibility('api'),
      customResponseBodies: {
        [tooLargeBody]: {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({ error: payloadTooLarge(props.maxBodyBytes).message }),
        },
        [tooManyRequests]: {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({ error: 'too many requests from this address: slow down and retry' }),
        },
      },
      rules: [
        {
          name: this.ruleNames.bodyTooLarge,
          priority: 0,
          statement: {
            regexMatchStatement: {
              fieldToMatch: { singleHeader: { Name: 'content-length' } },
              regexString: integerAtLeastPattern(props.maxBodyBytes + 1),
              textTransformations: [{ priority: 0, type: 'NONE' }],
            },
          },
          action: { block: { customResponse: { responseCode: 413, customResponseBodyKey: tooLargeBody } } },
          visibilityConfig: visibility('body-too-large'),
        },
        {
          name: this.ruleNames.rateLimit,
          priority: 1,
          statement: { rateBasedStatement: { limit: props.rateLimitPer5Minutes ?? DEFAULT_RATE_LIMIT_PER_5_MINUTES, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
          action: { block: { customResponse: { responseCode: 429, customResponseBodyKey: tooManyRequests } } },
          visibilityConfig: visibility('rate-limit'),
        },
        // Orders are up to 256 KiB: the common rule set's 8 KB body limit only counts.
        managed('AWSManagedRulesCommonRuleSet', 2, [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }]),
        managed('AWSManagedRulesKnownBadInputsRuleSet', 3),
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'Association', { resourceArn: props.stageArn, webAclArn: this.webAcl.attrArn });

    const stack = Stack.of(this);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      // WAF logs only to log groups whose name starts with aws-waf-logs-.
      // Retained, so the name ends with the stack's own id (as the state machine's log group does).
      logGroupName: `aws-waf-logs-${stack.stackName}-api-${stackInstanceId(this)}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      // The log group's ARN without the ":*" LogGroup.logGroupArn ends with: WAF refuses that form.
      logDestinationConfigs: [stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: this.logGroup.logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      redactedFields: REDACTED_HEADERS.map((name) => ({ singleHeader: { Name: name } })),
    });
  }
}
