import { describe, expect, it } from 'vitest';
import { HELP, parseStartArgs } from '../../infra/local/cli.js';

describe('npm start arguments', () => {
  it('reads ports, intervals, the rate limit and the flags', () => {
    const { options, demo } = parseStartArgs([
      '--no-demo',
      '--api-port', '0',
      '--sandbox-port', '4011',
      '--rate-limit', '100/5s',
      '--reconcile-interval', '5',
      '--rebalance-interval', '30',
      '--allow-local-callbacks',
      '--latency-ms', '150',
    ]);
    expect(demo).toBe(false);
    expect(options).toMatchObject({
      apiPort: 0,
      sandboxPort: 4011,
      rateLimit: { requests: 100, windowMs: 5_000 },
      reconcileIntervalSeconds: 5,
      rebalanceIntervalSeconds: 30,
      allowLocalCallbacks: true,
      sandboxLatencyMs: 150,
    });
  });

  it('reads --dynamodb-faults into probabilities per fault', () => {
    expect(parseStartArgs(['--dynamodb-faults', 'conflict=0.05,throttle=0.05,timeout=0.01']).options.dynamodbFaults).toEqual({
      conflict: 0.05,
      throttle: 0.05,
      timeout: 0.01,
    });
    expect(parseStartArgs([]).options.dynamodbFaults).toBeUndefined();
  });

  it('reads --data-dir; without it the stack stays in memory', () => {
    expect(parseStartArgs(['--data-dir', '.local-data']).options.dataDir).toBe('.local-data');
    expect(parseStartArgs([]).options.dataDir).toBeUndefined();
  });

  it.each([
    [['--data-dir', ' '], /--data-dir must name a directory/],
    [['--api-port', '70000'], /--api-port/],
    [['--rate-limit', 'lots'], /--rate-limit/],
    [['--reconcile-interval', '-1'], /--reconcile-interval/],
    [['--rebalance-interval', 'x'], /--rebalance-interval/],
    [['--no-such-flag'], /no-such-flag/],
    [['--dynamodb-faults', 'conflict=2'], /^--dynamodb-faults must be comma-separated kind=probability pairs.*conflict=2 is not a probability/],
    [['--dynamodb-faults', 'latency=0.1'], /--dynamodb-faults .*"latency" is not a fault kind/],
    [['--crash-rate', '1.5'], /^--crash-rate must be a number from 0 to 1; got "1.5"$/],
    [['--crash-rate=-0.1'], /^--crash-rate must be a number/],
    [['--crash-rate', ''], /^--crash-rate must be a number/],
    [['--crash-rate', '5%'], /^--crash-rate must be a number/],
  ])('refuses %j naming the flag', (argv, message) => {
    expect(() => parseStartArgs(argv)).toThrow(message);
  });
});

describe('npm start --crash-rate', () => {
  it('reads the probability that a workflow task invocation is killed, and --help says what it does', () => {
    expect(parseStartArgs(['--crash-rate', '0.05']).options.crashRate).toBe(0.05);
    expect(parseStartArgs([]).options.crashRate).toBeUndefined();
    expect(HELP).toMatch(/--crash-rate P\s+kill each workflow task invocation with probability P/);
    expect(HELP).toContain('Sandbox.Timedout');
  });
});

describe('npm start --help', () => {
  it('shows the two kinds of line Plivo\'s current number API makes possible', () => {
    expect(HELP).toContain('--line US:local:numbers=14155550100,14155550101');
    expect(HELP).toContain('/__sandbox/compliance-applications');
    expect(HELP).toContain('--line FR:local:compliance=');
  });
});
