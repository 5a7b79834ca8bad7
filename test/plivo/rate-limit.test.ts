import { describe, expect, it } from 'vitest';
import { readPlivoConfig } from '../../functions/lib/config.js';
import { ConfigurationError } from '../../functions/lib/errors.js';
import { type PlivoCallContext, withPlivoCallContext } from '../../functions/lib/plivo/call-context.js';
import {
  FixedWindowCounter,
  formatRateLimit,
  InMemoryRateLimiter,
  parseBackgroundShare,
  parseRateLimit,
} from '../../functions/lib/plivo/rate-limit.js';
import { limiterClock, settle } from '../support/limiter-clock.js';

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

describe('InMemoryRateLimiter: turns between keys, customers first, the background share', () => {
  const WINDOW_MS = 1_000;
  /** Starts at a window's first millisecond, far from the closing guard. */
  const START = 1_000 * WINDOW_MS;

  function limiter(requests: number, backgroundShare?: number) {
    const clock = limiterClock(START);
    const grants: { window: number; key: string; priority: PlivoCallContext['priority'] }[] = [];
    const instance = new InMemoryRateLimiter({
      limit: { requests, windowMs: WINDOW_MS },
      now: clock.now,
      sleep: clock.sleep,
      ...(backgroundShare === undefined ? {} : { backgroundShare }),
      onGrant: (at, context) => grants.push({ window: Math.floor(at / WINDOW_MS) - 1_000, key: context.key, priority: context.priority }),
    });
    /** Queues `count` calls of `context`; each pushes its label (`key#i`) when it gets its token. */
    const served: string[] = [];
    const call = (context: PlivoCallContext, count: number) => {
      for (let i = 0; i < count; i++) void withPlivoCallContext(context, () => instance.acquire()).then(() => served.push(`${context.key}#${i}`));
    };
    return { clock, instance, grants, served, call };
  }

  it('serves a key with one waiting call within the first two grants, behind a key with 100 waiting; FIFO within a key', async () => {
    const { served, call } = limiter(4);
    call({ key: 'order-big', priority: 'customer' }, 100);
    call({ key: 'order-small', priority: 'customer' }, 1);
    await settle();
    // One window's 4 tokens: the big order's first, then the small order's turn, then the big one again in order.
    expect(served).toEqual(['order-big#0', 'order-small#0', 'order-big#1', 'order-big#2']);
  });

  it('serves customers before background calls that waited longer, with a background turn after every (1 − share) / share customer tokens', async () => {
    const { clock, instance, served, call } = limiter(10, 0.2);
    for (let i = 0; i < 10; i++) await instance.acquire();
    // The window is spent; the reconciler queues first, an order after it.
    call({ key: 'reconciler', priority: 'background' }, 3);
    await settle();
    call({ key: 'order-1', priority: 'customer' }, 6);
    await settle();
    expect(served).toEqual([]);
    clock.nextWindow(WINDOW_MS);
    await settle();
    // Four customer tokens, then the reconciler's turn; once no customer waits, the rest of its share (2).
    expect(served).toEqual(['order-1#0', 'order-1#1', 'order-1#2', 'order-1#3', 'reconciler#0', 'order-1#4', 'order-1#5', 'reconciler#1']);
    clock.nextWindow(WINDOW_MS);
    await settle();
    expect(served.at(-1)).toBe('reconciler#2');
  });

  it('never starves background calls under a steady stream of customers: their share, no more', async () => {
    const { clock, served, call } = limiter(10, 0.2);
    call({ key: 'reconciler', priority: 'background' }, 4);
    call({ key: 'order-1', priority: 'customer' }, 40);
    await settle();
    for (let window = 1; window < 4; window++) {
      clock.nextWindow(WINDOW_MS);
      await settle();
    }
    // Four windows of 10: the reconciler's calls went through, at most 2 (its share) in any window.
    expect(served.filter((label) => label.startsWith('reconciler'))).toHaveLength(4);
    for (let window = 0; window < 4; window++) {
      expect(served.slice(window * 10, window * 10 + 10).filter((label) => label.startsWith('reconciler')).length).toBeLessThanOrEqual(2);
    }
  });

  it('never gives background calls more than their share of a window, even with nothing else waiting; customers still get the rest', async () => {
    const { clock, grants, served, call } = limiter(10, 0.2);
    call({ key: 'rebalance', priority: 'background' }, 7);
    await settle();
    // 0.2 of 10 requests: 2 per window, though 8 more are free.
    expect(served).toEqual(['rebalance#0', 'rebalance#1']);
    call({ key: 'order-1', priority: 'customer' }, 8);
    await settle();
    expect(served.filter((label) => label.startsWith('order-1'))).toHaveLength(8);
    for (let window = 1; served.length < 15; window++) {
      expect(window, 'windows needed').toBeLessThan(10);
      clock.nextWindow(WINDOW_MS);
      await settle();
    }
    const background = grants.filter((grant) => grant.priority === 'background');
    const perWindow = [0, 1, 2, 3].map((window) => background.filter((grant) => grant.window === window).length);
    expect(perWindow).toEqual([2, 2, 2, 1]);
  });

  it('counts calls made outside any context as customer calls of one key', async () => {
    const { clock, instance, served, call } = limiter(1, 1);
    await instance.acquire();
    call({ key: 'reconciler', priority: 'background' }, 1);
    void instance.acquire().then(() => served.push('plain'));
    // The next window's one token goes to the plain call, though the reconciler asked first.
    clock.nextWindow(WINDOW_MS);
    await settle();
    expect(served).toEqual(['plain']);
  });
});

describe('the background share setting', () => {
  const env = { PLIVO_AUTH_ID: 'MA1', PLIVO_AUTH_TOKEN: 'token' };

  it('defaults to 0.2 and reads any share above 0 and at most 1', () => {
    expect(readPlivoConfig(env).backgroundShare).toBe(0.2);
    expect(readPlivoConfig({ ...env, PLIVO_BACKGROUND_SHARE: '0.35' }).backgroundShare).toBe(0.35);
    expect(parseBackgroundShare('1')).toBe(1);
  });

  it.each(['0', '-0.1', '1.5', 'abc', '', ' ', 'NaN', 'Infinity'])('refuses %j with a ConfigurationError naming PLIVO_BACKGROUND_SHARE', (text) => {
    expect(() => readPlivoConfig({ ...env, PLIVO_BACKGROUND_SHARE: text })).toThrow(ConfigurationError);
    expect(() => readPlivoConfig({ ...env, PLIVO_BACKGROUND_SHARE: text })).toThrow(/PLIVO_BACKGROUND_SHARE/);
  });

  it('is checked by the limiters too', () => {
    expect(() => new InMemoryRateLimiter({ backgroundShare: 0 })).toThrow(ConfigurationError);
    expect(() => new InMemoryRateLimiter({ backgroundShare: 2 })).toThrow(/backgroundShare/);
  });
});
