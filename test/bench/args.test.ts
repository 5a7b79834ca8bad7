/** `npm run bench` option parsing: defaults, the new options, and every refusal naming its option. */
import { describe, expect, it } from 'vitest';
import { parseBenchArgs, spread } from '../../infra/bench/args.js';

describe('parseBenchArgs', () => {
  it('defaults: one order of 1,000 numbers in 10 lines, nothing prefilled, no pool-size run, no scan', () => {
    expect(parseBenchArgs([])).toMatchObject({ numbers: 1000, lines: 10, prefill: 0, concurrentOrders: 1, poolSize: 0, rules: 10, scanSize: 0, rateLimit: { requests: 300, windowMs: 5000 } });
  });

  it('reads --prefill, --concurrent-orders, --pool-size, --rules and --scan-size', () => {
    const options = parseBenchArgs(['--numbers', '1000', '--concurrent-orders', '10', '--prefill', '10000', '--pool-size', '5000', '--rules', '16', '--scan-size', '20000']);
    expect(options).toMatchObject({ numbers: 1000, concurrentOrders: 10, prefill: 10000, poolSize: 5000, rules: 16, scanSize: 20000 });
  });

  it('reads --campaign: orders whose lines link their numbers to that 10DLC campaign', () => {
    expect(parseBenchArgs(['--campaign', 'CBENCH']).campaign).toBe('CBENCH');
    expect(parseBenchArgs([]).campaign).toBeUndefined();
  });

  it.each([
    [['--campaign', 'not one'], '--campaign must be a 10DLC campaign id'],
    [['--prefill=-1'], '--prefill must be a whole number from 0 to 100000'],
    [['--prefill', '1.5'], '--prefill must be a whole number'],
    [['--concurrent-orders', '0'], '--concurrent-orders must be a whole number from 1 to 100'],
    [['--rules', '17'], '--rules must be a whole number from 1 to 16'],
    [['--scan-size', 'many'], '--scan-size must be a whole number'],
    [['--pool-size', '5', '--rules', '10'], '--pool-size must be at least --rules (10)'],
    [['--numbers', '50', '--lines', '10', '--concurrent-orders', '10'], 'must give each order at least --lines (10) numbers'],
    [['--numbers', '5', '--lines', '10'], '--numbers must be at least --lines'],
    [['--prefill', '100', '--plivo-url', 'https://api.plivo.com'], 'need the sandbox'],
    [['--scan-size', '100', '--plivo-url', 'https://api.plivo.com'], 'need the sandbox'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });

  it('accepts K orders when each gets at least --lines numbers (1,000 in 10 orders of 10 lines)', () => {
    expect(parseBenchArgs(['--numbers', '1000', '--lines', '10', '--concurrent-orders', '10']).concurrentOrders).toBe(10);
    expect(parseBenchArgs(['--numbers', '100', '--lines', '10', '--concurrent-orders', '10']).concurrentOrders).toBe(10);
  });

  it('refuses unknown options', () => {
    expect(() => parseBenchArgs(['--prefil', '10'])).toThrow(/prefil/);
  });
});

describe('spread', () => {
  it('splits as evenly as possible, larger parts first, summing to the whole', () => {
    expect(spread(1000, 10)).toEqual(Array.from({ length: 10 }, () => 100));
    expect(spread(10, 4)).toEqual([3, 3, 2, 2]);
    expect(spread(3, 5)).toEqual([1, 1, 1, 0, 0]);
  });
});
