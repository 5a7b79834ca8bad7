/**
 * How long each Lambda invocation of an execution ran, read from its history through the Step
 * Functions API (`GetExecutionHistory`): from each `LambdaFunctionStarted`/`TaskStarted` to the
 * event that ends it in the same branch (`…Succeeded`, `…Failed`, `…TimedOut`, or `TaskSubmitted`
 * for a callback task, whose function has returned by then). Works the same against AWS.
 */
import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';

const STARTED = new Set(['LambdaFunctionStarted', 'TaskStarted']);
const ENDED = new Set([
  'LambdaFunctionSucceeded',
  'LambdaFunctionFailed',
  'LambdaFunctionTimedOut',
  'TaskSubmitted',
  'TaskSucceeded',
  'TaskFailed',
  'TaskTimedOut',
]);

/** Milliseconds of each invocation in a history (events in any order; `previousEventId` links each to the one before it in its branch). */
export function invocationDurations(events: readonly HistoryEvent[]): number[] {
  const byId = new Map(events.map((event) => [event.id ?? 0, event]));
  const ended = new Set<number>();
  const durations: number[] = [];
  for (const event of events) {
    if (!ENDED.has(event.type ?? '')) continue;
    let previous = byId.get(event.previousEventId ?? 0);
    while (previous && !STARTED.has(previous.type ?? '')) previous = byId.get(previous.previousEventId ?? 0);
    if (!previous?.timestamp || !event.timestamp || ended.has(previous.id ?? 0)) continue;
    ended.add(previous.id ?? 0);
    durations.push(event.timestamp.getTime() - previous.timestamp.getTime());
  }
  return durations;
}

export async function executionInvocationDurations(sfn: SFNClient, executionArn: string): Promise<number[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken, includeExecutionData: false }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return invocationDurations(events);
}
