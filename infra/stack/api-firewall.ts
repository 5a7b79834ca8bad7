/**
 * A WAF web ACL in front of the orders API's stage, for the request size limit. API Gateway REST
 * APIs accept bodies up to 10 MB and have no setting of their own below that; the orders API
 * accepts 256 KiB (`LIMITS.maxBodyBytes`) and its Lambda answers 413 beyond it. WAF inspects at most
 * the first 64 KiB of a body, so the rule reads the `Content-Length` header instead and refuses a
 * larger declared size at the edge with the same 413 answer — before the request costs a Lambda
 * invocation. (A request without Content-Length still meets the Lambda's own check.)
 */
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { payloadTooLarge } from '../../functions/lib/http/errors.js';

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
  /** Prefix of the WAF metric names. */
  metricPrefix: string;
}

export class ApiFirewall extends Construct {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: ApiFirewallProps) {
    super(scope, id);
    const tooLargeBody = 'body-too-large';
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      description: `number-orders API: refuse bodies declared larger than ${props.maxBodyBytes} bytes`,
      defaultAction: { allow: {} },
      visibilityConfig: { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: `${props.metricPrefix}-api` },
      customResponseBodies: {
        [tooLargeBody]: {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({ error: payloadTooLarge(props.maxBodyBytes).message }),
        },
      },
      rules: [
        {
          name: 'BodyTooLarge',
          priority: 0,
          statement: {
            regexMatchStatement: {
              fieldToMatch: { singleHeader: { Name: 'content-length' } },
              regexString: integerAtLeastPattern(props.maxBodyBytes + 1),
              textTransformations: [{ priority: 0, type: 'NONE' }],
            },
          },
          action: { block: { customResponse: { responseCode: 413, customResponseBodyKey: tooLargeBody } } },
          visibilityConfig: { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: `${props.metricPrefix}-body-too-large` },
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'Association', { resourceArn: props.stageArn, webAclArn: this.webAcl.attrArn });
  }
}
