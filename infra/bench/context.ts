/** What every part of the benchmark measures with: the stack, the sandbox, the call log and the DynamoDB meter. */
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { RateLimit } from '../../functions/lib/plivo/rate-limit.js';
import type { PlivoSandbox } from '../local/plivo-sandbox/index.js';
import type { LocalStack } from '../local/stack.js';
import type { CallLog } from './call-log.js';
import type { DynamoDbMeter, DynamoDbUnits } from './dynamodb-meter.js';

export interface BenchContext {
  stack: LocalStack;
  /** The in-process sandbox (undefined with --plivo-url). */
  sandbox: PlivoSandbox | undefined;
  calls: CallLog;
  meter: DynamoDbMeter;
  sfn: SFNClient;
  rateLimit: RateLimit | null;
  /** DynamoDB units the idle stack consumes per second (the local webhook dispatcher polls every 250 ms; AWS runs it once a minute). */
  idleUnitsPerSecond: { read: number; write: number };
}

/** Units of a measurement less what the idle stack would have consumed over the same time. */
export function unitsLessIdle(units: DynamoDbUnits, seconds: number, idle: BenchContext['idleUnitsPerSecond']): { read: number; write: number } {
  return {
    read: Math.max(0, units.readUnits - idle.read * seconds),
    write: Math.max(0, units.writeUnits + units.failedWriteUnits - idle.write * seconds),
  };
}

/** Waits for the start of the next rate-limit window, as a fresh account would begin. */
export async function atWindowStart(rateLimit: RateLimit | null): Promise<void> {
  if (!rateLimit) return;
  await new Promise((resolve) => setTimeout(resolve, rateLimit.windowMs - (Date.now() % rateLimit.windowMs)));
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
