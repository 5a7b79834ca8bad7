/** A line's passes (functions/lib/workflow/passes.ts): a share of the execution's history per line. */
import { describe, expect, it } from 'vitest';
import { LinePassLimitError } from '../../functions/lib/errors.js';
import { LIMITS } from '../../functions/lib/orders/model.js';
import { countedPass, EVENTS_PER_LINE_PASS, HISTORY_EVENT_LIMIT, LATE_BUSY_WAIT_SECONDS, linePassLimit } from '../../functions/lib/workflow/passes.js';

const done = { busy: false, waitSeconds: 0, more: false };
const busy = { busy: true, waitSeconds: 7, more: true };

describe('linePassLimit', () => {
  it('keeps every line of the largest order, at its most passes, under the history limit with room for the order itself', () => {
    for (const lines of [1, 2, 10, LIMITS.maxLines]) {
      const events = lines * linePassLimit(lines) * EVENTS_PER_LINE_PASS;
      expect(events, `${lines} lines`).toBeLessThanOrEqual(HISTORY_EVENT_LIMIT - 4_000);
    }
    expect(linePassLimit(LIMITS.maxLines)).toBe(58);
    expect(linePassLimit(1)).toBe(2_333);
    // An unknown or absurd count is taken at its bound.
    expect(linePassLimit(0)).toBe(linePassLimit(1));
    expect(linePassLimit(1_000)).toBe(linePassLimit(LIMITS.maxLines));
  });
});

describe('countedPass', () => {
  it('answers the step with the count its next pass gets', async () => {
    expect(await countedPass({}, async () => done)).toEqual({ ...done, passes: 1 });
    expect(await countedPass({ passes: 6, lineCount: 3 }, async () => done)).toEqual({ ...done, passes: 7 });
  });

  it('refuses a pass beyond the line share before doing anything, naming the limit', async () => {
    let ran = false;
    const limit = linePassLimit(40);
    const error = await countedPass({ passes: limit, lineCount: 40 }, async () => {
      ran = true;
      return done;
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LinePassLimitError);
    expect((error as Error).message).toBe(
      `the line's steps ran ${limit} times, the most a line of an order of 40 lines may (an execution keeps at most 25,000 history events): the line fails and what it rented is released`,
    );
    expect(ran).toBe(false);
    await expect(countedPass({ passes: limit - 1, lineCount: 40 }, async () => done)).resolves.toMatchObject({ passes: limit });
  });

  it('makes a busy line wait at least five minutes once it has used half its passes', async () => {
    const limit = linePassLimit(40);
    expect(await countedPass({ passes: 0, lineCount: 40 }, async () => busy)).toMatchObject({ waitSeconds: 7 });
    expect(await countedPass({ passes: Math.ceil(limit / 2), lineCount: 40 }, async () => busy)).toMatchObject({ waitSeconds: LATE_BUSY_WAIT_SECONDS });
    expect(await countedPass({ passes: Math.ceil(limit / 2), lineCount: 40 }, async () => done)).toMatchObject({ waitSeconds: 0 });
  });
});
