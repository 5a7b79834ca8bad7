/** The benchmark's pure measures: rate-limit windows, Lambda durations from a history, when a reconciler pass is done. */
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { invocationDurations } from '../../infra/bench/lambda-durations.js';
import { passComplete } from '../../infra/bench/scan.js';
import { busiestWindow, callsPerWindow } from '../../infra/bench/windows.js';

describe('callsPerWindow and busiestWindow', () => {
  const start = 10_000;
  it('counts calls per clock window from the start, empty windows included', () => {
    expect(callsPerWindow([start, start + 4_999, start + 5_000, start + 12_000], start, 5_000)).toEqual([2, 1, 1]);
    expect(callsPerWindow([], start, 5_000)).toEqual([]);
  });

  it('finds the most calls in any interval of the window length, across clock windows', () => {
    // 3 calls late in one window and 3 early in the next: 6 within 5 s, though no clock window holds more than 3.
    const times = [start + 4_000, start + 4_500, start + 4_900, start + 5_100, start + 6_000, start + 8_999, start + 20_000];
    expect(callsPerWindow(times, start, 5_000).slice(0, 2)).toEqual([3, 3]);
    expect(busiestWindow(times, 5_000)).toBe(6);
    expect(busiestWindow([start + 9_000, start], 5_000)).toBe(1);
    expect(busiestWindow([], 5_000)).toBe(0);
  });
});

const at = (ms: number) => new Date(1_800_000_000_000 + ms);

describe('invocationDurations', () => {
  it('pairs each invocation start with the event that ends it in its branch, whatever the order of branches', () => {
    const events: HistoryEvent[] = [
      { id: 1, previousEventId: 0, type: 'ExecutionStarted', timestamp: at(0) },
      { id: 2, previousEventId: 1, type: 'TaskStateEntered', timestamp: at(1) },
      { id: 3, previousEventId: 2, type: 'LambdaFunctionScheduled', timestamp: at(1) },
      { id: 4, previousEventId: 3, type: 'LambdaFunctionStarted', timestamp: at(2) },
      // A second branch starts while the first runs.
      { id: 5, previousEventId: 1, type: 'TaskScheduled', timestamp: at(3) },
      { id: 6, previousEventId: 5, type: 'TaskStarted', timestamp: at(5) },
      { id: 7, previousEventId: 4, type: 'LambdaFunctionSucceeded', timestamp: at(252) },
      // A callback task: its function returned at TaskSubmitted; the wait after is not Lambda time.
      { id: 8, previousEventId: 6, type: 'TaskSubmitted', timestamp: at(45) },
      { id: 9, previousEventId: 8, type: 'TaskSucceeded', timestamp: at(90_000) },
      { id: 10, previousEventId: 9, type: 'TaskStarted', timestamp: at(90_010) },
      { id: 11, previousEventId: 10, type: 'TaskFailed', timestamp: at(90_030) },
    ];
    expect(invocationDurations(events).sort((a, b) => a - b)).toEqual([20, 40, 250]);
  });
});

describe('passComplete', () => {
  it('reads the pass as the reconciler reports it: complete only when its slice reached the end', () => {
    const pass = { offset: 20, total: 40, pages: 1, startedAt: '2026-12-06T00:00:00Z' };
    expect(passComplete({ accountPass: { ...pass, complete: false } })).toBe(false);
    expect(passComplete({ accountPass: { ...pass, complete: true } })).toBe(true);
    expect(passComplete({})).toBe(false);
  });
});
