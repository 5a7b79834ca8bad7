/**
 * The local Step Functions endpoint: the Step Functions API that `@aws-sdk/client-sfn` uses, on
 * loopback, running the project's ASL files with `aws-local-stepfunctions` and each Lambda Task
 * with an in-process handler. See docs/local-stepfunctions.md.
 */
// First: the interpreter needs Promise.withResolvers, which Node 20 lacks.
import './polyfills.js';
import { DEFAULT_ACCOUNT_ID, DEFAULT_REGION, stateMachineArn } from './arns.js';
import { ExecutionEngine, type ExecutionView } from './executions.js';
import { ExecutionJournal } from './journal.js';
import { createOperations } from './operations.js';
import { startServer } from './server.js';
import type { ExecutionStats, LocalStepFunctionsLogger, LocalStepFunctionsOptions } from './types.js';

export { lambdaFunctionArn, LOCAL_PARTITION, substituteDefinition, UnboundSubstitutionError } from './arns.js';
export { DefinitionError } from './definition.js';
export type { ExecutionView } from './executions.js';
export type {
  ExecutionStats,
  LocalLambdaContext,
  LocalLambdaHandler,
  LocalStepFunctionsOptions,
  LocalTimers,
} from './types.js';

/** A running endpoint. */
export interface LocalStepFunctions {
  /** `http://host:port`: give it to `SFNClient` as `endpoint` (or export it as `SFN_ENDPOINT`). */
  readonly endpoint: string;
  readonly host: string;
  readonly port: number;
  readonly region: string;
  readonly accountId: string;
  /** The ARN of a registered state machine, by name. */
  stateMachineArn(name: string): string;
  /** What an execution cost (transitions, Lambda invocations, largest payload), counted from its history. */
  stats(executionArn: string): ExecutionStats;
  /** Resolves when the execution has ended and its history is complete (benchmarks; clients poll DescribeExecution). */
  waitForExecution(executionArn: string): Promise<ExecutionView>;
  /** How many task tokens are waiting for SendTaskSuccess/Failure, in one execution or in all. */
  waitingTaskTokens(executionArn?: string): number;
  /** Executions the journal holds that were running when the endpoint before this one died (now FAILED, `Local.EndpointLost`). */
  readonly lostExecutions: readonly string[];
  /** Stop every running execution, then stop listening. */
  close(): Promise<void>;
}

const silentLogger: LocalStepFunctionsLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * Validate every state machine once, then listen. Rejects with a message naming the state
 * machine and state when a definition cannot be served (see `DefinitionError`), or when a
 * Task names a function that has no handler.
 */
export async function startLocalStepFunctions(options: LocalStepFunctionsOptions): Promise<LocalStepFunctions> {
  const region = options.region ?? DEFAULT_REGION;
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? silentLogger;
  const opened = options.journalFile === undefined ? undefined : ExecutionJournal.open(options.journalFile);
  const engine = new ExecutionEngine({
    region,
    accountId,
    lambdaHandlers: options.lambdaHandlers,
    logger,
    retryPauseMs: options.retryPauseMs,
    waitStateMs: options.waitStateMs,
    timers: options.timers,
    journal: opened?.journal,
  });
  for (const stateMachine of options.stateMachines) engine.register(stateMachine);
  const lostExecutions = opened ? engine.restore(opened.executions) : [];
  const server = await startServer(createOperations(engine), { host, port: options.port ?? 4020, logger });
  const endpoint = `http://${host.includes(':') ? `[${host}]` : host}:${server.port}`;
  logger.info(`Local Step Functions listening on ${endpoint}`, { stateMachines: options.stateMachines.map((machine) => machine.name) });

  return {
    endpoint,
    host,
    port: server.port,
    region,
    accountId,
    stateMachineArn: (name) => engine.stateMachine(stateMachineArn(name, region, accountId)).arn,
    stats: (executionArn) => engine.stats(executionArn),
    waitForExecution: (executionArn) => engine.wait(executionArn),
    waitingTaskTokens: (executionArn) => engine.tokens.waiting(executionArn),
    lostExecutions,
    close: async () => {
      engine.close();
      await server.close();
    },
  };
}
