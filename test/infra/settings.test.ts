/** Deployment settings from CDK context: defaults, accepted forms, and errors that name the key. */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, readSettings, SettingsError } from '../../infra/stack/settings.js';
import { cdkJson } from './support.js';

const from = (context: Record<string, unknown>) => readSettings((key) => context[key]);

describe('readSettings', () => {
  it('defaults every setting', () => {
    expect(from({})).toEqual(DEFAULT_SETTINGS);
    expect(DEFAULT_SETTINGS).toMatchObject({
      stage: 'dev',
      account: undefined,
      region: undefined,
      plivoBaseUrl: 'https://api.plivo.com',
      plivoRateLimit: '300/5s',
      plivoBackgroundShare: '0.2',
      tableDeletionProtection: true,
      workerReservedConcurrency: undefined,
      workSlots: 20,
      logRetention: RetentionDays.ONE_MONTH,
      schedules: { reconcile: 'rate(15 minutes)', webhookDispatch: 'rate(1 minute)', rebalance: 'rate(1 hour)' },
    });
  });

  it('takes prod with its account and region', () => {
    expect(from({ stage: 'prod', account: '123456789012', region: 'cn-north-1' })).toMatchObject({ stage: 'prod', account: '123456789012', region: 'cn-north-1' });
  });

  it('takes cdk.json as it is (feature flags only, no settings)', () => {
    expect(readSettings((key) => cdkJson.context[key])).toEqual(DEFAULT_SETTINGS);
  });

  it('reads -c strings and cdk.json values alike', () => {
    const settings = from({
      stage: 'dev-2',
      plivoBaseUrl: 'https://plivo.example.com',
      plivoRateLimit: '120/5s',
      plivoBackgroundShare: 0.5,
      tableDeletionProtection: 'false',
      workerReservedConcurrency: '5',
      workSlots: '8',
      alarmEmail: 'ops@example.com',
      logRetentionDays: 90,
      logLevel: 'debug',
      reconcileSchedule: 'rate(5 minutes)',
      rebalanceSchedule: 'off',
      plivoCredentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:plivo/number-orders-AbC123',
      account: 123456789012,
      region: 'eu-west-1',
    });
    expect(settings).toEqual({
      stage: 'dev-2',
      account: '123456789012',
      region: 'eu-west-1',
      plivoBaseUrl: 'https://plivo.example.com',
      plivoRateLimit: '120/5s',
      plivoBackgroundShare: '0.5',
      plivoCredentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:plivo/number-orders-AbC123',
      webhookSecretArn: undefined,
      tableDeletionProtection: false,
      workerReservedConcurrency: 5,
      workSlots: 8,
      alarmEmail: 'ops@example.com',
      logRetention: RetentionDays.THREE_MONTHS,
      logLevel: 'DEBUG',
      schedules: { reconcile: 'rate(5 minutes)', webhookDispatch: 'rate(1 minute)', rebalance: undefined },
    });
    expect(from({ tableDeletionProtection: false, workerReservedConcurrency: 'off', workSlots: 'off', plivoRateLimit: 'off' })).toMatchObject({
      tableDeletionProtection: false,
      workerReservedConcurrency: undefined,
      workSlots: undefined,
      plivoRateLimit: 'off',
    });
  });

  it.each([
    [{ stage: 'prod stage' }, /"stage"/],
    [{ stage: '1prod' }, /"stage"/],
    [{ plivoBaseUrl: 'api.plivo.com' }, /"plivoBaseUrl" must be a URL/],
    [{ plivoBaseUrl: 'ftp://api.plivo.com' }, /"plivoBaseUrl" must be an http\(s\) URL/],
    [{ plivoRateLimit: '300 per 5s' }, /context "plivoRateLimit" must look like "300\/5s"/],
    [{ plivoBackgroundShare: '0' }, /context "plivoBackgroundShare" must be a number above 0 and at most 1/],
    [{ plivoBackgroundShare: '20%' }, /context "plivoBackgroundShare"/],
    [{ tableDeletionProtection: 'maybe' }, /"tableDeletionProtection" must be true or false/],
    [{ workerReservedConcurrency: '0' }, /"workerReservedConcurrency" must be a positive integer or "off"/],
    [{ workerReservedConcurrency: 'lots' }, /"workerReservedConcurrency"/],
    [{ logRetentionDays: '31' }, /"logRetentionDays" must be one of/],
    [{ alarmEmail: 'ops' }, /"alarmEmail" must be an email address/],
    [{ logLevel: 'LOUD' }, /"logLevel"/],
    [{ reconcileSchedule: 'every 5 minutes' }, /"reconcileSchedule" must be an EventBridge Scheduler expression/],
    [{ plivoCredentialsSecretArn: 'plivo-credentials' }, /"plivoCredentialsSecretArn" must be a secret's complete ARN/],
    [{ webhookSecretArn: 'whsec_abc' }, /"webhookSecretArn" must be a secret's complete ARN/],
    [{ webhookDispatchSchedule: 'often' }, /"webhookDispatchSchedule"/],
    [{ plivoCredentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:plivo' }, /complete ARN/],
    [{ stage: { name: 'prod' } }, /"stage" must be a string/],
    [{ stage: 'prod' }, /stage "prod" needs an explicit account and region: -c account=<12 digits> -c region=<region>/],
    [{ stage: 'prod', account: '123456789012' }, /stage "prod" needs an explicit account and region/],
    [{ stage: 'prod', region: 'eu-west-1' }, /stage "prod" needs an explicit account and region/],
    [{ account: '1234' }, /"account" must be a 12-digit AWS account id/],
    [{ region: 'Europe' }, /"region" must be an AWS region such as eu-west-1/],
  ])('refuses %o', (context, message) => {
    expect(() => from(context)).toThrow(SettingsError);
    expect(() => from(context)).toThrow(message);
  });
});
