/**
 * EventBridge Scheduler schedules that invoke a Lambda on a timetable: the reconciler, the webhook
 * dispatcher and pool rebalancing (background.ts adds them with the expressions from context:
 * `reconcileSchedule`, `webhookDispatchSchedule`, `rebalanceSchedule`; `off` adds none).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CfnFunction, type IFunction } from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { explain, nagAttributeName } from './nag.js';

const RATE = /^rate\(\s*([1-9]\d*)\s+(minute|minutes|hour|hours|day|days)\s*\)$/;
const UNIT_SECONDS: Record<string, number> = { minute: 60, hour: 3600, day: 86_400 };

/**
 * The interval of a `rate(…)` expression in seconds (`rate(1 hour)` → 3600); `undefined` for
 * `cron(…)` and `at(…)`, which have no single interval.
 */
export function rateSeconds(expression: string): number | undefined {
  const match = RATE.exec(expression.trim());
  if (!match) return undefined;
  const unit = (match[2] as string).replace(/s$/, '');
  return Number(match[1]) * (UNIT_SECONDS[unit] as number);
}

export interface ScheduledInvocation {
  /** Construct id, e.g. `Reconcile`. */
  id: string;
  description: string;
  /** An EventBridge Scheduler expression: `rate(15 minutes)`, `cron(0 * * * ? *)`. */
  expression: string;
  target: IFunction;
  /** The event the function receives. @default {} */
  input?: Record<string, unknown>;
}

export interface SchedulesProps {
  invocations?: readonly ScheduledInvocation[];
}

export class Schedules extends Construct {
  readonly schedules: scheduler.Schedule[] = [];

  constructor(scope: Construct, id: string, props: SchedulesProps = {}) {
    super(scope, id);
    for (const invocation of props.invocations ?? []) this.add(invocation);
  }

  add(invocation: ScheduledInvocation): scheduler.Schedule {
    // Our own role per schedule (LambdaInvoke would share one at stack level), so that what it may
    // do — and the acknowledgment below — stays with the schedule.
    const role = new iam.Role(this, `${invocation.id}Role`, {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      description: `number-orders schedule ${invocation.id}: invoke its function`,
    });
    const target = new targets.LambdaInvoke(invocation.target, {
      role,
      input: scheduler.ScheduleTargetInput.fromObject(invocation.input ?? {}),
      // A run that did not happen is simply the next run's work: no piling up of late runs.
      maxEventAge: Duration.minutes(5),
      retryAttempts: 0,
    });
    const schedule = new scheduler.Schedule(this, invocation.id, {
      description: invocation.description,
      schedule: scheduler.ScheduleExpression.expression(invocation.expression),
      target,
      timeWindow: scheduler.TimeWindow.off(),
    });
    const fn = invocation.target.node.defaultChild;
    if (fn instanceof CfnFunction) {
      explain(
        role,
        `AwsSolutions-IAM5[Resource::${nagAttributeName(fn, 'Arn')}:*]`,
        `The scheduler's LambdaInvoke target grants ${invocation.id}'s function and its versions (":*"); the schedule invokes the unqualified function only.`,
      );
    }
    this.schedules.push(schedule);
    return schedule;
  }
}
