/**
 * An order's timeline: the states its execution went through, with the times it entered and left
 * each, shaped from Step Functions' execution history so that clients (the console) never parse
 * raw history. Only state names, types and times leave this module: a history event's input and
 * output (and the task tokens inside them) are never read into the answer.
 */
import { ExecutionDoesNotExist, GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { timestampSchema } from './contract.js';

export const timelineStateSchema = z.object({
  name: z.string().meta({ description: 'The state, as named in statemachines/order.asl.json', example: 'RentNumbers' }),
  type: z.string().meta({ description: 'Its kind: Task, Map, Choice, Wait, Pass, Parallel, Succeed, Fail', example: 'Task' }),
  enteredAt: timestampSchema,
  exitedAt: timestampSchema.optional().meta({ description: 'Absent while the execution is still in this state' }),
});

export const orderTimelineSchema = z.object({
  orderId: z.string(),
  executionArn: z.string().optional().meta({ description: 'Absent when the order was never started' }),
  status: z.enum(['NOT_STARTED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']),
  startedAt: timestampSchema.optional(),
  stoppedAt: timestampSchema.optional(),
  states: z.array(timelineStateSchema).meta({
    description: "Oldest first. A Map's states appear once per iteration: iterations of the same state are paired in the order they began",
  }),
  truncated: z.boolean().meta({ description: 'The history had more events than one answer reads (the newest are left out)' }),
});

export type OrderTimeline = z.infer<typeof orderTimelineSchema>;
type TimelineState = z.infer<typeof timelineStateSchema>;

/** History pages read at most (of 1,000 events each): a 50-line order's history fits in a few. */
export const TIMELINE_MAX_PAGES = 10;

const ENDED: Readonly<Record<string, OrderTimeline['status']>> = {
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionTimedOut: 'TIMED_OUT',
  ExecutionAborted: 'ABORTED',
};

/** `TaskStateEntered` → `Task`; undefined for events that are not a state's entry or exit. */
function stateEvent(type: string | undefined): { kind: 'entered' | 'exited'; stateType: string } | undefined {
  const found = /^(\w+)StateEntered$|^(\w+)StateExited$/.exec(type ?? '');
  if (!found) return undefined;
  return found[1] ? { kind: 'entered', stateType: found[1] } : { kind: 'exited', stateType: found[2] ?? '' };
}

/** Turns history events (oldest first) into the timeline's states and status. */
export function shapeTimeline(events: readonly HistoryEvent[]): Pick<OrderTimeline, 'status' | 'startedAt' | 'stoppedAt' | 'states'> {
  const states: TimelineState[] = [];
  // Entries still open, per state name, oldest first (a Map runs the same state once per iteration).
  const open = new Map<string, TimelineState[]>();
  let status: OrderTimeline['status'] = 'RUNNING';
  let startedAt: string | undefined;
  let stoppedAt: string | undefined;
  for (const event of events) {
    const at = event.timestamp ? new Date(event.timestamp).toISOString() : undefined;
    if (!at) continue;
    if (event.type === 'ExecutionStarted') startedAt = at;
    const ended = ENDED[event.type ?? ''];
    if (ended) {
      status = ended;
      stoppedAt = at;
      continue;
    }
    const kind = stateEvent(event.type);
    if (!kind) continue;
    if (kind.kind === 'entered') {
      const name = event.stateEnteredEventDetails?.name ?? '?';
      const state: TimelineState = { name, type: kind.stateType, enteredAt: at };
      states.push(state);
      open.set(name, [...(open.get(name) ?? []), state]);
    } else {
      const name = event.stateExitedEventDetails?.name ?? '?';
      const state = open.get(name)?.shift();
      if (state) state.exitedAt = at;
    }
  }
  return { status, ...(startedAt ? { startedAt } : {}), ...(stoppedAt ? { stoppedAt } : {}), states };
}

/**
 * Reads the timeline of the order's execution (at most TIMELINE_MAX_PAGES pages of history).
 * Undefined when Step Functions no longer knows the execution (its history expired, or a local
 * stack without a data directory restarted).
 */
export async function readTimeline(sfn: SFNClient, orderId: string, executionArn: string | undefined): Promise<OrderTimeline | undefined> {
  if (!executionArn) return { orderId, status: 'NOT_STARTED', states: [], truncated: false };
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  try {
    do {
      // includeExecutionData false: inputs and outputs (task tokens among them) never even arrive.
      const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, includeExecutionData: false, ...(nextToken ? { nextToken } : {}) }));
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
      pages += 1;
    } while (nextToken && pages < TIMELINE_MAX_PAGES);
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist) return undefined;
    throw error;
  }
  return { orderId, executionArn, ...shapeTimeline(events), truncated: Boolean(nextToken) };
}
