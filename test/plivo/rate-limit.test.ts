import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../functions/lib/errors.js';
import {
  FixedWindowCounter,
  formatRateLimit,
  InMemoryRateLimiter,
  parseRateLimit,
} from '../../functions/lib/plivo/rate-limit.js';

describe('parseRateLimit', () => {
  it.each([
    ['300/5s', { requests: 300, windowMs: 5_000 }],
    ['60/1m', { requests: 60, windowMs: 60_000 }],
    ['10/500ms', { requests: 10, windowMs: 500 }],
    [' 5 / s ', { requests: 5, windowMs: 1_000 }],
  ])('reads %s', (text, expected) => {
    expect(parseRateLimit(text)).toEqual(expected);
  });

  it.each(['off', 'none', '0', 'OFF'])('reads %s as no limit', (text) => {
    expect(parseRateLimit(text)).toBeNull();
  });

  it.each(['', '300', '300/5x', '-1/5s', '1.5/5s', 'abc', '300/0s'])('rejects %j naming the setting', (text) => {
    expect(() => parseRateLimit(text, 'PLIVO_RATE_LIMIT')).toThrow(ConfigurationError);
    expect(() => parseRateLimit(text, 'PLIVO_RATE_LIMIT')).toThrow(/PLIVO_RATE_LIMIT/);
  });

  it('formats what it parses', () => {
    expect(formatRateLimit(parseRateLimit('300/5s'))).toBe('300/5s');
    expect(formatRateLimit(parseRateLimit('10/500ms'))).toBe('10/500ms');
    expect(formatRateLimit(null)).toBe('off');
  });
});

describe('FixedWindowCounter', () => {
  it('admits the limit per clock-aligned window and says when the next one opens', () => {
    const counter = new FixedWindowCounter({ requests: 3, windowMs: 1_000 });
    expect([counter.tryTake(10_100), counter.tryTake(10_200), counter.tryTake(10_300)]).toEqual([0, 0, 0]);
    expect(counter.tryTake(10_400)).toBe(600);
    expect(counter.tryTake(10_999)).toBe(1);
    expect(counter.tryTake(11_000)).toBe(0);
  });
});

describe('InMemoryRateLimiter', () => {
  it('never lets more than the limit through in one window, across concurrent callers', async () => {
    const limit = { requests: 5, windowMs: 200 };
    const grants: number[] = [];
    const limiter = new InMemoryRateLimiter({ limit, onGrant: (at) => grants.push(at) });
    await Promise.all(Array.from({ length: 17 }, () => limiter.acquire()));
    const perWindow = new Map<number, number>();
    for (const at of grants) perWindow.set(Math.floor(at / limit.windowMs), (perWindow.get(Math.floor(at / limit.windowMs)) ?? 0) + 1);
    expect(grants).toHaveLength(17);
    expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(5);
    expect(perWindow.size).toBeGreaterThanOrEqual(4);
    // Nothing granted in the closing tenth of a window.
    expect(grants.every((at) => limit.windowMs - (at % limit.windowMs) > limit.windowMs / 10)).toBe(true);
  });

  it('holds every caller after a 429 until Retry-After has passed', async () => {
    const limiter = new InMemoryRateLimiter({ limit: { requests: 1_000, windowMs: 1_000 } });
    const started = Date.now();
    limiter.penalize(150);
    await limiter.acquire();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('stops waiting when the caller aborts', async () => {
    const limiter = new InMemoryRateLimiter({ limit: { requests: 1, windowMs: 60_000 } });
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
  });

  it('serves the next caller after an aborted one (the queue does not stick)', async () => {
    const limiter = new InMemoryRateLimiter({ limit: { requests: 1, windowMs: 100 } });
    await limiter.acquire();
    const controller = new AbortController();
    const aborted = limiter.acquire(controller.signal);
    controller.abort(new Error('gave up'));
    await expect(aborted).rejects.toThrow('gave up');
    await expect(limiter.acquire()).resolves.toBeUndefined();
  });
});
