import { describe, expect, it } from 'vitest';
import { orderViewExample } from '../../functions/orders-api/openapi.js';
import type { OrderView } from '../../functions/lib/orders/contract.js';
import { isTerminal, progressState, renderProgress, renderSummary } from '../../infra/cli/progress.js';

/** The API's example, without its 10DLC campaign (one test adds it back). */
const order: OrderView = {
  ...orderViewExample,
  lines: orderViewExample.lines.map(({ campaignId: _campaign, request: { campaignId: _requested, ...request }, ...line }) => ({ ...line, request })),
};

describe('renderProgress', () => {
  it('draws a bar per line on a terminal', () => {
    const text = renderProgress(order, { tty: true, color: false, barWidth: 20 });
    const lines = text.split('\n');
    expect(lines[0]).toBe(`order ${order.orderId} IN_PROGRESS 25/45 verified`);
    // 25 of 40 verified (13 cells), 30 assigned (+2), 40 rented (+5): nothing left.
    expect(lines[1]).toContain(`${'█'.repeat(13)}${'▓'.repeat(2)}${'▒'.repeat(5)}`);
    expect(lines[1]).toMatch(/#0 US local prefix 512 .* 25\/40 verified {2}ASSIGNING$/);
    expect(lines[2]).toContain('░'.repeat(20));
    expect(lines[2]).toMatch(/#1 FR local prefix 3 .*PENDING_REGULATORY$/);
    expect(lines[3]).toContain('pending: An address proof is required');
  });

  it('cuts every line to the terminal width, colours and all, so a redraw leaves nothing behind', () => {
    const long: OrderView = { ...order, lines: order.lines.map((line) => ({ ...line, pendingDetails: line.pendingDetails && 'x'.repeat(220) })) };
    for (const color of [false, true]) {
      const lines = renderProgress(long, { tty: true, color, columns: 60 }).split('\n');
      // eslint-disable-next-line no-control-regex -- measuring what a terminal shows: without colour codes
      for (const line of lines) expect(line.replace(/\u001b\[[0-9;]*m/g, '').length).toBeLessThanOrEqual(59);
      expect(lines.some((line) => line.includes('…'))).toBe(true);
    }
  });

  it('shows a line whose numbers are all verified as VERIFIED while others work, and drops Plivo’s text once answered', () => {
    const [first, second] = order.lines as [OrderView['lines'][number], OrderView['lines'][number]];
    const done = { ...first, status: 'VERIFYING' as const, counts: { ...first.counts, verified: first.counts.requested } };
    const answered = { ...second, status: 'VERIFYING' as const };
    const text = renderProgress({ ...order, lines: [done, answered] }, { tty: false });
    expect(text.split('\n')[1]).toMatch(/: VERIFIED requested 40/);
    expect(text).not.toContain('pending:');
  });

  it('writes plain lines otherwise, with every count, no escapes', () => {
    const text = renderProgress(order, { tty: false, color: true });
    expect(text).not.toContain('\x1b');
    expect(text).not.toContain('█');
    expect(text.split('\n')[1]).toBe('line 0 US local prefix 512: ASSIGNING requested 40 rented 40 assigned 30 verified 25');
  });

  it('names a line of specific numbers by their count, and its compliance application', () => {
    const first = order.lines[0] as OrderView['lines'][number];
    const numbered: OrderView = {
      ...order,
      lines: [
        { ...first, request: { countryIso: 'US', numberType: 'local', numbers: ['14155550100', '14155550101'], quantity: 2 } },
        { ...first, line: 1, request: { countryIso: 'FR', numberType: 'local', numbers: ['33140000000'], complianceApplicationId: 'CA1', quantity: 1 } },
      ],
    };
    const text = renderProgress(numbered, { tty: false });
    expect(text.split('\n')[1]).toMatch(/^line 0 US local 2 numbers: /);
    expect(text.split('\n')[2]).toMatch(/^line 1 FR local number 33140000000 compliance CA1: /);
  });

  it('names a line\'s 10DLC campaign and counts its linked numbers', () => {
    const first = order.lines[0] as OrderView['lines'][number];
    const linking: OrderView = { ...order, lines: [{ ...first, status: 'LINKING', campaignId: 'CUOGHIN', counts: { ...first.counts, assigned: 0, verified: 0, linked: 12 } }] };
    expect(renderProgress(linking, { tty: false }).split('\n')[1]).toBe(
      'line 0 US local prefix 512 10DLC CUOGHIN: LINKING requested 40 rented 40 assigned 0 verified 0 linked 12',
    );
    expect(renderProgress(linking, { tty: true, color: false })).toContain('LINKING  linked 12');
  });

  it('colours statuses on a terminal only when asked', () => {
    expect(renderProgress(order, { tty: true })).toContain('\x1b[');
    expect(renderProgress(order, { tty: true, color: false })).not.toContain('\x1b[');
  });

  it('shows errors with Plivo’s message, losses, and the plan in detail', () => {
    const failing: OrderView = {
      ...order,
      status: 'PARTIAL',
      lines: [
        {
          ...(order.lines[0] as OrderView['lines'][number]),
          status: 'PARTIAL',
          counts: { requested: 40, planned: 40, rented: 40, assigned: 38, verified: 37, failed: 3, released: 2, leaked: 1, linked: 0 },
          errors: [{ at: '2026-11-23T10:15:34.500Z', line: 0, name: 'PlivoBadRequestError', message: 'rent refused', plivoMessage: 'not enough stock' }],
        },
      ],
      errors: [{ at: '2026-11-23T10:15:35.000Z', name: 'RollbackError', message: 'one number could not be unrented' }],
    };
    const text = renderProgress(failing, { tty: false, detail: true });
    expect(text).toContain('verified 37 failed 3 released 2 leaked 1');
    expect(text).toContain('error: PlivoBadRequestError: not enough stock');
    expect(text).toContain('plan: group 51200 ×40 (prefix 512, Texas) setup 0.00000 monthly 0.80000');
    expect(text).toContain('error: RollbackError: one number could not be unrented');
  });

  it('counts planned numbers for a dry run', () => {
    const dry: OrderView = { ...order, dryRun: true, status: 'PLANNED' };
    expect(renderProgress(dry, { tty: false }).split('\n')[0]).toBe(`order ${order.orderId} PLANNED 45/45 planned (dry run)`);
  });
});

describe('progressState', () => {
  it.each([
    ['RECEIVED', 'running'],
    ['IN_PROGRESS', 'running'],
    ['PENDING_REGULATORY', 'running'],
    ['COMPLETED', 'succeeded'],
    ['PLANNED', 'succeeded'],
    ['PARTIAL', 'failed'],
    ['FAILED', 'failed'],
    ['ROLLED_BACK', 'failed'],
    ['CANCELLED', 'failed'],
  ] as const)('%s is %s', (status, state) => {
    expect(progressState(status)).toBe(state);
  });
});

describe('renderSummary', () => {
  it('tabulates every line and the totals', () => {
    const lines = renderSummary(order).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^line +request +status +requested +planned +rented +assigned +verified +failed +released +leaked$/);
    expect(lines[1]).toMatch(/^0 +US local prefix 512 +ASSIGNING +40 +40 +40 +30 +25 +0 +0 +0$/);
    expect(lines[3]).toMatch(/^total +IN_PROGRESS +45 +45 +40 +30 +25 +0 +0 +0$/);
  });
});

describe('isTerminal', () => {
  it('is true only for statuses an order ends in', () => {
    expect(isTerminal('IN_PROGRESS')).toBe(false);
    expect(isTerminal('PENDING_REGULATORY')).toBe(false);
    expect(isTerminal('COMPLETED')).toBe(true);
    expect(isTerminal('ROLLED_BACK')).toBe(true);
  });
});
