/**
 * The sandbox's clock: the time source it was given, moved forward by `POST /__sandbox/clock`, so
 * that renewals, reclaim windows and eventual visibility can be tested without waiting days.
 * It only moves forward: Plivo's bills never run backwards.
 */
import { z } from 'zod';

const DAY_MS = 86_400_000;

export const clockMoveSchema = z.union([
  z.object({ advanceDays: z.number({ error: 'advanceDays must be a number of days' }).min(0, { error: 'advanceDays cannot be negative' }) }).strict(),
  z
    .object({ now: z.iso.datetime({ offset: true, error: 'now must be an ISO 8601 time such as 2030-01-31T12:00:00Z' }) })
    .strict(),
]);
export type ClockMove = z.infer<typeof clockMoveSchema>;

export class SandboxClock {
  private offsetMs = 0;

  constructor(private readonly source: () => number) {}

  readonly now = (): number => this.source() + this.offsetMs;

  /**
   * Moves the clock forward by days or to a time.
   * @throws RangeError when `now` is earlier than the clock.
   */
  move(move: ClockMove): number {
    const target = 'advanceDays' in move ? this.now() + move.advanceDays * DAY_MS : Date.parse(move.now);
    if (target < this.now()) throw new RangeError(`now ${new Date(target).toISOString()} is before the sandbox clock (${new Date(this.now()).toISOString()}); the clock only moves forward`);
    this.offsetMs += target - this.now();
    return this.now();
  }

  reset(): void {
    this.offsetMs = 0;
  }
}
