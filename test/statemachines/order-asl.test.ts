/**
 * Checks of statemachines/order.asl.json, the one definition CDK deploys and the local stack runs:
 * it validates, every substitution is bound, every Task retries Lambda's transient errors and has
 * a Catch, every error name it matches exists in the code, and payloads stay ids and counts.
 */
import { readFileSync } from 'node:fs';
import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { DYNAMODB_TRANSIENT_ERROR_NAMES, PLIVO_ERROR_NAMES, WAIT_ERROR_NAMES, WORKFLOW_ERROR_NAMES } from '../../functions/lib/errors.js';
import { LIMITS } from '../../functions/lib/orders/model.js';
import { ORDER_ASL_PATH, ORDER_FUNCTIONS, PARTITION_SUBSTITUTION } from '../../statemachines/order-functions.js';

const text = readFileSync(ORDER_ASL_PATH, 'utf8');
const definition = JSON.parse(text) as { States: Record<string, State> };

interface State {
  Type: string;
  Retry?: { ErrorEquals: string[] }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  TimeoutSeconds?: number;
  ItemProcessor?: { States: Record<string, State> };
  Parameters?: { FunctionName?: string; Payload?: Record<string, unknown> };
}

/** A cycle among `states` once `without` are taken out (a state's Next, its Choices, Default and Catches), or undefined. */
function cycleWithout(states: Record<string, State>, without: readonly string[]): string[] | undefined {
  const next = (name: string): string[] => {
    const state = states[name] as (State & { Next?: string; Default?: string; Choices?: { Next: string }[] }) | undefined;
    if (!state) return [];
    return [state.Next, state.Default, ...(state.Choices ?? []).map((c) => c.Next), ...(state.Catch ?? []).map((c) => c.Next)].filter((n): n is string => n !== undefined && !without.includes(n));
  };
  const done = new Set<string>();
  const visit = (name: string, path: string[]): string[] | undefined => {
    if (path.includes(name)) return [...path, name];
    if (done.has(name)) return undefined;
    for (const target of next(name)) {
      const cycle = visit(target, [...path, name]);
      if (cycle) return cycle;
    }
    done.add(name);
    return undefined;
  };
  for (const name of Object.keys(states).filter((n) => !without.includes(n))) {
    const cycle = visit(name, []);
    if (cycle) return cycle;
  }
  return undefined;
}

function allStates(states: Record<string, State>): [string, State][] {
  return Object.entries(states).flatMap(([name, state]) => [[name, state] as [string, State], ...(state.ItemProcessor ? allStates(state.ItemProcessor.States) : [])]);
}

const LAMBDA_TRANSIENT = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];
/**
 * A Lambda killed mid-step: a timeout (`Sandbox.Timedout` through `lambda:invoke`; `Lambda.Unknown`
 * for unhandled errors such as out-of-memory kills), or the invoke itself timing out.
 */
const LAMBDA_KILLED = ['Sandbox.Timedout', 'Lambda.Unknown', 'Lambda.ClientExecutionTimeoutException'];

describe('statemachines/order.asl.json', () => {
  it('is a valid state machine', () => {
    // As deployed in the aws partition: the validator knows ARNs, not the `${Partition}` substitution.
    const { isValid, errors } = aslValidator(JSON.parse(text.replaceAll('${' + PARTITION_SUBSTITUTION + '}', 'aws')));
    expect(errors).toEqual([]);
    expect(isValid).toBe(true);
  });

  it('binds every substitution, and only the functions the stack provides', () => {
    const placeholders = new Set([...text.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    expect([...placeholders].sort()).toEqual([...Object.keys(ORDER_FUNCTIONS), PARTITION_SUBSTITUTION].sort());
  });

  it('gives every Task the Lambda transient-error Retry, an explicit Catch and a timeout', () => {
    const tasks = allStates(definition.States).filter(([, state]) => state.Type === 'Task');
    expect(tasks.length).toBeGreaterThanOrEqual(8);
    for (const [name, state] of tasks) {
      const retried = new Set(state.Retry?.flatMap((r) => r.ErrorEquals));
      expect([name, LAMBDA_TRANSIENT.every((e) => retried.has(e))]).toEqual([name, true]);
      expect([name, state.Catch?.length ?? 0]).not.toEqual([name, 0]);
      expect([name, typeof state.TimeoutSeconds === 'number' || typeof (state as { TimeoutSecondsPath?: string }).TimeoutSecondsPath === 'string']).toEqual([name, true]);
    }
  });

  it('retries every step whose Lambda was killed mid-way (every step is idempotent: the crash matrix in test/e2e proves it)', () => {
    for (const [name, state] of allStates(definition.States).filter(([, st]) => st.Type === 'Task')) {
      const retrier = state.Retry?.find((r) => r.ErrorEquals.includes('Sandbox.Timedout')) as { ErrorEquals: string[]; JitterStrategy?: string; MaxAttempts?: number } | undefined;
      expect([name, retrier?.ErrorEquals]).toEqual([name, LAMBDA_KILLED]);
      expect([name, retrier?.JitterStrategy, (retrier?.MaxAttempts ?? 0) >= 2]).toEqual([name, 'FULL', true]);
    }
  });

  it('retries every Lambda step on DynamoDB failures that pass, with jittered backoff (the steps are idempotent)', () => {
    for (const [name, state] of allStates(definition.States).filter(([n, st]) => st.Type === 'Task' && n !== 'WaitForRegulatory')) {
      const retrier = state.Retry?.find((r) => r.ErrorEquals.includes('ThrottlingException')) as { ErrorEquals: string[]; JitterStrategy?: string; MaxAttempts?: number } | undefined;
      expect([name, retrier?.ErrorEquals]).toEqual([name, [...DYNAMODB_TRANSIENT_ERROR_NAMES]]);
      expect([name, retrier?.JitterStrategy, (retrier?.MaxAttempts ?? 0) >= 3]).toEqual([name, 'FULL', true]);
    }
  });

  it('matches only error names that exist (States.*, Lambda.* or the errors module)', () => {
    const known = new Set<string>([...PLIVO_ERROR_NAMES, ...WAIT_ERROR_NAMES, ...WORKFLOW_ERROR_NAMES, ...LAMBDA_TRANSIENT, ...LAMBDA_KILLED, ...DYNAMODB_TRANSIENT_ERROR_NAMES]);
    const names = allStates(definition.States).flatMap(([, state]) => [...(state.Retry ?? []), ...(state.Catch ?? [])].flatMap((r) => r.ErrorEquals));
    for (const name of names) expect([name, name.startsWith('States.') || known.has(name)]).toEqual([name, true]);
  });

  it('times the regulatory wait out from the Rent result (the line\'s deadline), not a fixed backstop longer than an execution lives', () => {
    const states = Object.fromEntries(allStates(definition.States)) as Record<string, State & { TimeoutSecondsPath?: string; ResultSelector?: Record<string, string> }>;
    expect(states['WaitForRegulatory']?.TimeoutSeconds).toBeUndefined();
    expect(states['WaitForRegulatory']?.TimeoutSecondsPath).toBe('$.step.waitSeconds');
    expect((states['Rent'] as { ResultPath?: string }).ResultPath).toBe('$.step');
    expect(states['Rent']?.ResultSelector?.['waitSeconds.$']).toBe('$.Payload.waitSeconds');
  });

  it('runs every line of the largest order at once, within the 40 iterations an inline Map runs at once', () => {
    const map = definition.States.ProcessLines as unknown as { MaxConcurrency?: number; ItemProcessor?: { ProcessorConfig?: { Mode?: string } } };
    expect(map.ItemProcessor?.ProcessorConfig?.Mode ?? 'INLINE').toBe('INLINE');
    expect(map.MaxConcurrency).toBe(LIMITS.maxLines);
    expect(LIMITS.maxLines).toBeLessThanOrEqual(40);
  });

  it("bounds every loop of a line: each goes through a step that counts the line's passes, carried in $.step from 0", () => {
    const map = definition.States.ProcessLines as unknown as { ItemSelector: Record<string, unknown>; ItemProcessor: { States: Record<string, State & { ResultPath?: string; ResultSelector?: Record<string, string> }> } };
    expect(map.ItemSelector).toMatchObject({ step: { passes: 0 }, 'lineCount.$': 'States.ArrayLength($.plan.lines)' });
    const counted = ['Rent', 'LinkCampaign', 'AssignToPool', 'Verify'];
    for (const name of counted) {
      const state = map.ItemProcessor.States[name];
      expect(state?.Parameters?.Payload, name).toMatchObject({ 'passes.$': '$.step.passes', 'lineCount.$': '$.lineCount' });
      expect(state?.ResultSelector?.['passes.$'], name).toBe('$.Payload.passes');
      expect(state?.ResultPath, name).toBe('$.step');
    }
    expect(cycleWithout(map.ItemProcessor.States, counted)).toBeUndefined();
    // The order's own loops: Plan plans at least one line a pass, and each release pass releases or
    // marks LEAKED what it takes up; without them, no loop is left.
    expect(cycleWithout(definition.States, ['Plan', 'RollbackUnrent'])).toBeUndefined();
    expect(cycleWithout(definition.States, [])).toBeDefined();
  });

  it('passes ids and small flags to its Lambdas, never lists of numbers', () => {
    for (const [name, state] of allStates(definition.States)) {
      const payload = state.Parameters?.Payload;
      if (!payload) continue;
      for (const key of Object.keys(payload)) expect([name, key]).toEqual([name, expect.stringMatching(/^(orderId|line|mode|action|error|token|passes|lineCount)(\.\$)?$/)]);
    }
  });
});
