import { describe, expect, it } from 'vitest';
import { parseStartArgs } from '../../infra/local/cli.js';

describe('npm start: the sandbox behaviour flags', () => {
  it('passes --reissue-unrented and --fixed-share to the sandbox', () => {
    const { options } = parseStartArgs(['--reissue-unrented', '--fixed-share', '1']);
    expect(options.sandboxBehaviour).toEqual({ reissueUnrented: true, fixedShare: 1 });
    expect(parseStartArgs([]).options.sandboxBehaviour).toBeUndefined();
  });

  it('passes --pending-shape, and refuses a shape the sandbox does not know', () => {
    expect(parseStartArgs(['--pending-shape', 'number']).options.sandboxBehaviour).toEqual({ pendingShape: 'number' });
    expect(() => parseStartArgs(['--pending-shape', 'numbers'])).toThrow(/--pending-shape must be one of order, number/);
  });

  it.each([['2'], ['x'], ['']])('refuses --fixed-share %j naming the flag', (value) => {
    expect(() => parseStartArgs(['--fixed-share', value])).toThrow(/--fixed-share/);
  });
});
