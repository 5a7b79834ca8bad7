/**
 * The Step Functions operations the endpoint answers: each parses its request (zod, with the
 * service's constraints and error names) and shapes its answer as the service does on the wire.
 */
import type {
  DescribeExecutionOutput,
  DescribeStateMachineOutput,
  GetExecutionHistoryOutput,
  ListExecutionsOutput,
  ListStateMachinesOutput,
  SendTaskFailureOutput,
  SendTaskHeartbeatOutput,
  SendTaskSuccessOutput,
  StartExecutionOutput,
  StopExecutionOutput,
} from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { SfnApiError } from './errors.js';
import type { ExecutionEngine, ExecutionView } from './executions.js';
import { MAX_PAYLOAD_BYTES } from './executions.js';
import type { Wire } from './wire.js';
import { byteLength, parseJson } from './json.js';

export type Operation = (input: unknown) => unknown;

const arn = z.string().min(1).max(2048);
const maxResults = z.number().int().min(0).max(1000).optional();
const nextToken = z.string().min(1).max(1024).optional();
const taskToken = z.string().min(1).max(2048);
const executionStatus = z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']);

const schemas = {
  ListStateMachines: z.object({ maxResults, nextToken }),
  DescribeStateMachine: z.object({ stateMachineArn: arn, includedData: z.string().optional() }),
  StartExecution: z.object({ stateMachineArn: arn, name: z.string().optional(), input: z.string().optional(), traceHeader: z.string().optional() }),
  DescribeExecution: z.object({ executionArn: arn, includedData: z.string().optional() }),
  ListExecutions: z.object({ stateMachineArn: arn, statusFilter: executionStatus.optional(), maxResults, nextToken }),
  StopExecution: z.object({ executionArn: arn, error: z.string().max(256).optional(), cause: z.string().max(32_768).optional() }),
  GetExecutionHistory: z.object({
    executionArn: arn,
    maxResults,
    reverseOrder: z.boolean().optional(),
    nextToken,
    includeExecutionData: z.boolean().optional(),
  }),
  SendTaskSuccess: z.object({ taskToken, output: z.string() }),
  SendTaskFailure: z.object({ taskToken, error: z.string().max(256).optional(), cause: z.string().max(32_768).optional() }),
  SendTaskHeartbeat: z.object({ taskToken }),
} as const;

function parse<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `Value at '${issue.path.join('.') || 'body'}' failed to satisfy constraint: ${issue.message}`);
  throw new SfnApiError('ValidationException', `${problems.length} validation error${problems.length > 1 ? 's' : ''} detected: ${problems.join('; ')}`);
}

const seconds = (epochMs: number): number => epochMs / 1000;

function page<T>(items: readonly T[], maxCount: number | undefined, token: string | undefined): { page: T[]; nextToken: string | undefined } {
  const size = maxCount === undefined || maxCount === 0 ? 100 : maxCount;
  let offset = 0;
  if (token !== undefined) {
    const decoded = Number(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Number.isInteger(decoded) || decoded < 0) throw new SfnApiError('InvalidToken', 'Invalid Token: nextToken does not come from this request');
    offset = decoded;
  }
  const slice = items.slice(offset, offset + size);
  const next = offset + slice.length;
  return { page: slice, nextToken: next < items.length ? Buffer.from(String(next)).toString('base64url') : undefined };
}

function describeExecution(execution: ExecutionView): Wire<DescribeExecutionOutput> {
  return {
    executionArn: execution.executionArn,
    stateMachineArn: execution.stateMachineArn,
    name: execution.name,
    status: execution.status,
    startDate: seconds(execution.startDate),
    stopDate: execution.stopDate === undefined ? undefined : seconds(execution.stopDate),
    input: execution.input,
    inputDetails: { included: true },
    output: execution.output,
    outputDetails: execution.output === undefined ? undefined : { included: true },
    error: execution.error,
    cause: execution.cause,
  };
}

/** The operations, by the name after `AWSStepFunctions.` in `X-Amz-Target`. */
export function createOperations(engine: ExecutionEngine): Readonly<Record<string, Operation>> {
  return {
    ListStateMachines: (input): Wire<ListStateMachinesOutput> => {
      const request = parse(schemas.ListStateMachines, input);
      const machines = engine.listStateMachines().map((machine) => ({
        stateMachineArn: machine.arn,
        name: machine.name,
        type: 'STANDARD' as const,
        creationDate: seconds(machine.createdAt),
      }));
      const { page: stateMachines, nextToken: next } = page(machines, request.maxResults, request.nextToken);
      return { stateMachines, nextToken: next };
    },

    DescribeStateMachine: (input): Wire<DescribeStateMachineOutput> => {
      const request = parse(schemas.DescribeStateMachine, input);
      const machine = engine.stateMachine(request.stateMachineArn);
      return {
        stateMachineArn: machine.arn,
        name: machine.name,
        status: 'ACTIVE',
        definition: machine.definition,
        roleArn: machine.roleArn,
        type: 'STANDARD',
        creationDate: seconds(machine.createdAt),
      };
    },

    StartExecution: (input): Wire<StartExecutionOutput> => {
      const request = parse(schemas.StartExecution, input);
      const started = engine.start({ stateMachineArn: request.stateMachineArn, name: request.name, input: request.input });
      return { executionArn: started.executionArn, startDate: seconds(started.startDate) };
    },

    DescribeExecution: (input): Wire<DescribeExecutionOutput> => {
      const request = parse(schemas.DescribeExecution, input);
      return describeExecution(engine.describe(request.executionArn));
    },

    ListExecutions: (input): Wire<ListExecutionsOutput> => {
      const request = parse(schemas.ListExecutions, input);
      const statusFilter = request.statusFilter === 'PENDING_REDRIVE' ? undefined : request.statusFilter;
      const all = request.statusFilter === 'PENDING_REDRIVE' ? [] : engine.list({ stateMachineArn: request.stateMachineArn, statusFilter });
      const { page: executions, nextToken: next } = page(all, request.maxResults, request.nextToken);
      return {
        executions: executions.map((execution) => ({
          executionArn: execution.executionArn,
          stateMachineArn: execution.stateMachineArn,
          name: execution.name,
          status: execution.status,
          startDate: seconds(execution.startDate),
          stopDate: execution.stopDate === undefined ? undefined : seconds(execution.stopDate),
        })),
        nextToken: next,
      };
    },

    StopExecution: (input): Wire<StopExecutionOutput> => {
      const request = parse(schemas.StopExecution, input);
      const { stopDate } = engine.stop(request.executionArn, request.error, request.cause);
      return { stopDate: seconds(stopDate) };
    },

    GetExecutionHistory: (input): Wire<GetExecutionHistoryOutput> => {
      const request = parse(schemas.GetExecutionHistory, input);
      return engine.history(request.executionArn, {
        maxResults: request.maxResults === undefined || request.maxResults === 0 ? 100 : request.maxResults,
        reverseOrder: request.reverseOrder ?? false,
        nextToken: request.nextToken,
        includeExecutionData: request.includeExecutionData ?? true,
      });
    },

    SendTaskSuccess: (input): Wire<SendTaskSuccessOutput> => {
      const request = parse(schemas.SendTaskSuccess, input);
      const output = parseJson(request.output);
      if (!output.ok) throw new SfnApiError('InvalidOutput', `Invalid Output: ${output.reason}`);
      if (byteLength(request.output) > MAX_PAYLOAD_BYTES) {
        throw new SfnApiError('InvalidOutput', `Invalid Output: ${byteLength(request.output)} bytes, above the ${MAX_PAYLOAD_BYTES}-byte quota`);
      }
      engine.tokens.succeed(request.taskToken, output.value);
      return {};
    },

    SendTaskFailure: (input): Wire<SendTaskFailureOutput> => {
      const request = parse(schemas.SendTaskFailure, input);
      engine.tokens.fail(request.taskToken, request.error, request.cause);
      return {};
    },

    SendTaskHeartbeat: (input): Wire<SendTaskHeartbeatOutput> => {
      const request = parse(schemas.SendTaskHeartbeat, input);
      engine.tokens.heartbeat(request.taskToken);
      return {};
    },
  };
}
