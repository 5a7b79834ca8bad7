/**
 * The functions' configuration, read once at cold start: defaults when unset, and a garbage value
 * refused with the variable's name (never silently replaced by the default). And the scheduled
 * events, parsed with zod before any work starts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nonNegativeNumber, optional, positiveInteger, readRebalanceConfig, readReconcilerConfig, required } from '../../functions/lib/config.js';
import { ConfigurationError } from '../../functions/lib/errors.js';
import { rebalanceEvent } from '../../functions/lib/runtime/rebalance.js';
import { reconcilerEvent } from '../../functions/lib/runtime/reconciler.js';
import { parseStepInput } from '../../functions/lib/runtime/step-input.js';

describe('the readers', () => {
  it('required and optional treat a blank value as unset', () => {
    expect(() => required({ A: '  ' }, 'A')).toThrow(new ConfigurationError('A is not set'));
    expect(required({ A: 'x' }, 'A')).toBe('x');
    expect(optional({ A: '  ' }, 'A')).toBeUndefined();
    expect(optional({}, 'A')).toBeUndefined();
    expect(optional({ A: 'x' }, 'A')).toBe('x');
  });

  it('numbers fall back only when unset, and refuse garbage naming the variable', () => {
    expect(positiveInteger({}, 'N', 7)).toBe(7);
    expect(positiveInteger({ N: '' }, 'N', 7)).toBe(7);
    expect(positiveInteger({ N: '12' }, 'N', 7)).toBe(12);
    for (const garbage of ['abc', '0', '-3', '1.5', 'NaN']) {
      expect(() => positiveInteger({ N: garbage }, 'N', 7)).toThrow(new ConfigurationError(`N must be a positive integer; got "${garbage}"`));
    }
    expect(nonNegativeNumber({ N: '0' }, 'N', 7)).toBe(0);
    expect(nonNegativeNumber({ N: '0.5' }, 'N', 7)).toBe(0.5);
    for (const garbage of ['abc', '-1', 'Infinity']) {
      expect(() => nonNegativeNumber({ N: garbage }, 'N', 7)).toThrow(new ConfigurationError(`N must be a number of at least 0; got "${garbage}"`));
    }
  });
});

describe('the reconciler configuration', () => {
  it('defaults to a 60 s grace and a daily orphan scan, with the sweep off without a state machine', () => {
    expect(readReconcilerConfig({})).toEqual({ stateMachineArn: undefined, unstartedGraceSeconds: 60, orphanScanHours: 24 });
    expect(readReconcilerConfig({ STATE_MACHINE_ARN: 'arn:sm', UNSTARTED_GRACE_SECONDS: '0', ORPHAN_SCAN_HOURS: '0.5' })).toEqual({
      stateMachineArn: 'arn:sm',
      unstartedGraceSeconds: 0,
      orphanScanHours: 0.5,
    });
  });

  it('refuses garbage naming the variable', () => {
    expect(() => readReconcilerConfig({ UNSTARTED_GRACE_SECONDS: 'soon' })).toThrow(/^UNSTARTED_GRACE_SECONDS must be a number of at least 0; got "soon"$/);
    expect(() => readReconcilerConfig({ ORPHAN_SCAN_HOURS: '-1' })).toThrow(/^ORPHAN_SCAN_HOURS must be a number of at least 0; got "-1"$/);
  });
});

describe('the rebalance configuration', () => {
  it('defaults to an hour\'s window', () => {
    expect(readRebalanceConfig({})).toEqual({ stateMachineArn: undefined, windowSeconds: 3600 });
    expect(readRebalanceConfig({ STATE_MACHINE_ARN: 'arn:sm', REBALANCE_WINDOW_SECONDS: '300' })).toEqual({ stateMachineArn: 'arn:sm', windowSeconds: 300 });
  });

  it('refuses a window that is not a positive integer, naming the variable (it used to become 3600)', () => {
    for (const garbage of ['hourly', '0', '-60', '90.5']) {
      expect(() => readRebalanceConfig({ REBALANCE_WINDOW_SECONDS: garbage })).toThrow(new ConfigurationError(`REBALANCE_WINDOW_SECONDS must be a positive integer; got "${garbage}"`));
    }
  });
});

describe('the scheduled events', () => {
  it('take what the scheduler sends ({}, nothing) and what the local loop sends', () => {
    expect(parseStepInput('reconciler', reconcilerEvent, {})).toEqual({});
    expect(parseStepInput('reconciler', reconcilerEvent, undefined)).toEqual({});
    expect(parseStepInput('reconciler', reconcilerEvent, { stateMachineArn: 'arn:sm', orphanScanHours: 0, unstartedGraceSeconds: 0 })).toEqual({
      stateMachineArn: 'arn:sm',
      orphanScanHours: 0,
      unstartedGraceSeconds: 0,
    });
    expect(parseStepInput('rebalance', rebalanceEvent, null)).toEqual({});
    expect(parseStepInput('rebalance', rebalanceEvent, { stateMachineArn: 'arn:sm', windowSeconds: 60 })).toEqual({ stateMachineArn: 'arn:sm', windowSeconds: 60 });
  });

  it('refuse a malformed field with InvalidStepInputError naming the job and the field', () => {
    expect(() => parseStepInput('reconciler', reconcilerEvent, { orphanScanHours: 'daily' })).toThrow(
      expect.objectContaining({ name: 'InvalidStepInputError', message: expect.stringMatching(/^reconciler: input orphanScanHours /) }),
    );
    expect(() => parseStepInput('rebalance', rebalanceEvent, { windowSeconds: 0 })).toThrow(
      expect.objectContaining({ name: 'InvalidStepInputError', message: expect.stringMatching(/^rebalance: input windowSeconds /) }),
    );
    expect(() => parseStepInput('rebalance', rebalanceEvent, 'now')).toThrow(expect.objectContaining({ name: 'InvalidStepInputError', message: expect.stringMatching(/^rebalance: input \(root\) /) }));
  });
});

describe('the scheduled handlers', () => {
  const saved = { ...process.env };
  // A cold start each time: another file in this worker may have loaded the handlers already.
  beforeEach(() => vi.resetModules());
  afterEach(() => {
    process.env = { ...saved };
    vi.resetModules();
  });

  it('fail at cold start, naming the variable, when their configuration is garbage', async () => {
    process.env.REBALANCE_WINDOW_SECONDS = 'hourly';
    await expect(import('../../functions/rebalance/handler.js')).rejects.toThrow(/^REBALANCE_WINDOW_SECONDS must be a positive integer; got "hourly"$/);
    process.env.UNSTARTED_GRACE_SECONDS = 'soon';
    await expect(import('../../functions/reconciler/handler.js')).rejects.toThrow(/^UNSTARTED_GRACE_SECONDS must be a number of at least 0; got "soon"$/);
  });
});
