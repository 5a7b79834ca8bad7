/**
 * Secrets Manager: the Plivo credentials and the customer webhook signing secret. Functions get a
 * secret's ARN (`PLIVO_CREDENTIALS_SECRET_ARN`, `WEBHOOK_SECRET_ARN`) and read it — the webhook
 * secret at cold start, the Plivo credentials at the first Plivo call and again when Plivo refuses
 * them (`functions/lib/runtime/secrets.ts`); only functions that call Plivo or check its signatures
 * get the Plivo secret; values are never in an environment variable or in the
 * template — only the shape of what Secrets Manager generates is.
 *
 * - Plivo credentials, JSON `{"authId","authToken"}`: created with a placeholder `authId` that the
 *   functions refuse with instructions, so the first deploy needs no secret on the command line;
 *   the operator then puts the real credentials in (docs/deploy.md).
 * - Webhook signing secret, JSON `{"key": "<base64>"}` meaning `whsec_<key>`: generated (44
 *   letters and digits: valid base64 of 33 bytes), usable at once; customers verify signatures
 *   with it.
 *
 * Either can be an existing secret instead (context `plivoCredentialsSecretArn`, `webhookSecretArn`).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { PLIVO_CREDENTIALS_PLACEHOLDER, PLIVO_CREDENTIALS_SECRET_ARN, WEBHOOK_SECRET_ARN } from '../../functions/lib/runtime/secrets.js';
import { explain } from './nag.js';

export interface SecretsProps {
  /** An existing Plivo credentials secret's complete ARN. @default a new secret holding a placeholder */
  existingPlivoCredentialsArn?: string;
  /** An existing webhook signing secret's complete ARN. @default a new, generated secret */
  existingWebhookSecretArn?: string;
}

export class Secrets extends Construct {
  readonly plivoCredentials: secretsmanager.ISecret;
  readonly webhookSecret: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: SecretsProps = {}) {
    super(scope, id);
    this.plivoCredentials = props.existingPlivoCredentialsArn
      ? secretsmanager.Secret.fromSecretCompleteArn(this, 'PlivoCredentials', props.existingPlivoCredentialsArn)
      : this.created('PlivoCredentials', {
          description: 'number-orders: Plivo credentials as JSON {"authId","authToken"}. Created with a placeholder; put the real values in (docs/deploy.md).',
          // The authId placeholder makes the functions fail with instructions until the real one is set.
          generateSecretString: {
            secretStringTemplate: JSON.stringify({ authId: PLIVO_CREDENTIALS_PLACEHOLDER }),
            generateStringKey: 'authToken',
            excludePunctuation: true,
            passwordLength: 40,
          },
          rotation:
            'Plivo issues the auth id and token; Secrets Manager cannot rotate them (Plivo has no rotation API). Rotate them in the Plivo console and put the new values in with put-secret-value; a function reads them again when Plivo refuses the old ones.',
        });
    this.webhookSecret = props.existingWebhookSecretArn
      ? secretsmanager.Secret.fromSecretCompleteArn(this, 'WebhookSecret', props.existingWebhookSecretArn)
      : this.created('WebhookSecret', {
          description: 'number-orders: the Standard Webhooks signing secret of customer webhooks, JSON {"key": "<base64>"} meaning whsec_<key>. Give it to the customers who verify signatures.',
          generateSecretString: {
            secretStringTemplate: '{}',
            generateStringKey: 'key',
            excludePunctuation: true,
            includeSpace: false,
            passwordLength: 44,
          },
          rotation:
            'Customers verify webhook signatures with this secret: rotating it is a change agreed with them (Standard Webhooks allows two secrets during a switch), not something to automate on a timer.',
        });
  }

  private created(id: string, options: { description: string; generateSecretString: secretsmanager.SecretStringGenerator; rotation: string }): secretsmanager.Secret {
    // Retained: the Plivo credentials and the key customers verify signatures with outlive the
    // stack (a secret has no fixed name here, so a re-created stack makes new ones beside them).
    const secret = new secretsmanager.Secret(this, id, { description: options.description, generateSecretString: options.generateSecretString, removalPolicy: RemovalPolicy.RETAIN });
    explain(secret, 'AwsSolutions-SMG4', options.rotation);
    return secret;
  }

  /** Hands the Plivo credentials to `fn`: the secret's ARN in the environment, and read access to it. */
  connectPlivoCredentials(fn: lambda.Function): void {
    fn.addEnvironment(PLIVO_CREDENTIALS_SECRET_ARN, this.plivoCredentials.secretArn);
    grantGetSecretValue(fn, this.plivoCredentials);
  }

  /** Hands the webhook signing secret to `fn`: its ARN in the environment, and read access to it. */
  connectWebhookSecret(fn: lambda.Function): void {
    fn.addEnvironment(WEBHOOK_SECRET_ARN, this.webhookSecret.secretArn);
    grantGetSecretValue(fn, this.webhookSecret);
  }
}

/**
 * secretsmanager:GetSecretValue on exactly `secret`: all the functions call (Powertools'
 * `getSecret`). `grantRead` would add DescribeSecret, which nothing here uses. (A secret encrypted
 * with a customer managed key also needs kms:Decrypt: docs/deploy.md.)
 */
function grantGetSecretValue(fn: lambda.Function, secret: secretsmanager.ISecret): void {
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }));
}
