/**
 * The reconciler's pass over the whole account (for the orphan report), read in slices: each run
 * reads on from a cursor kept in DynamoDB for as many pages as its limits allow (a page count, the
 * invocation's time budget), so no invocation outgrows its budget whatever the account's size, and
 * the orphans found so far travel with the cursor until the pass ends.
 *
 * Plivo's account listing is paged by offset, not a snapshot: numbers unrented during a pass shift
 * the ones after them, so a pass may miss a few numbers or read some twice. A number missed is read
 * by the next pass (the report is "as of" the pass's start); one read twice is counted once.
 */
import type { PlivoClient } from '../plivo/client.js';
import { PLIVO_MAX_PAGE_SIZE } from '../plivo/paginate.js';
import type { AccountNumber } from '../plivo/schemas.js';
import type { Stores } from '../store/stores.js';
import type { Budget } from './deps.js';

/** Orphans a report lists at most (the count is always complete). */
export const MAX_ORPHANS_LISTED = 1_000;

/** Where a pass stands between runs. */
interface ScanCursor {
  offset: number;
  startedAt: string;
  orphans: string[];
  orphanCount: number;
}

export interface ScanLimits {
  /** Pages of 20 read per run at most. @default no limit */
  maxPages?: number;
  /** The invocation's time; no page is started with less than `reserveMs` left. */
  budget?: Budget;
  /** @default 30 s: the rest of the run (claims, resumes, the report) */
  reserveMs?: number;
}

/** What one run's slice read: the numbers to classify go through `visit` in batches. */
export interface SliceResult {
  /** The pass ended in this run: `orphans` is the whole pass's. */
  complete: boolean;
  /** The whole account was read in this run alone (a pass begun and ended here). */
  whole: boolean;
  read: number;
  pages: number;
  /** Where the pass stands (offset reached, the account's size as last listed). */
  offset: number;
  total: number;
  startedAt: string;
  orphans: string[];
  orphanCount: number;
}

export class AccountPass {
  private cursor: ScanCursor | undefined;
  private readonly found = new Set<string>();

  private constructor(
    private readonly store: Stores,
    cursor: ScanCursor | undefined,
  ) {
    this.cursor = cursor;
    for (const orphan of cursor?.orphans ?? []) this.found.add(orphan);
  }

  static async load(store: Stores): Promise<AccountPass> {
    return new AccountPass(store, await store.reconciliation.scanCursor<ScanCursor>());
  }

  /** Whether a pass is under way (it goes on whatever the report's interval says). */
  get underWay(): boolean {
    return this.cursor !== undefined;
  }

  /** Records an orphan the current slice found. */
  orphan(number: string): void {
    this.found.add(number);
  }

  /**
   * Reads the next slice, handing each batch of numbers to `visit` (which calls `orphan` for the
   * orphans among them); saves the cursor, or clears it when the pass ends.
   */
  async readSlice(plivo: PlivoClient, limits: ScanLimits, now: string, visit: (batch: AccountNumber[]) => Promise<void>): Promise<SliceResult> {
    const startOffset = this.cursor?.offset ?? 0;
    const startedAt = this.cursor?.startedAt ?? now;
    const carried = this.cursor ? this.cursor.orphanCount - this.cursor.orphans.length : 0;
    let offset = startOffset;
    let total = startOffset;
    let pages = 0;
    let read = 0;
    let complete = false;
    const batch: AccountNumber[] = [];
    for (;;) {
      if (pages >= (limits.maxPages ?? Number.POSITIVE_INFINITY)) break;
      if (limits.budget && limits.budget.remainingMs() < (limits.reserveMs ?? 30_000)) break;
      const page = await plivo.listAccountNumbers({ offset, limit: PLIVO_MAX_PAGE_SIZE });
      pages++;
      read += page.objects.length;
      offset += page.objects.length;
      total = page.meta.total_count;
      batch.push(...page.objects);
      if (batch.length >= 100) await visit(batch.splice(0));
      if (page.objects.length === 0 || offset >= page.meta.total_count) {
        complete = true;
        break;
      }
    }
    if (batch.length > 0) await visit(batch.splice(0));
    // Orphans beyond the listed ones are only counted (carried from earlier slices as a count).
    const orphanCount = carried + this.found.size;
    const orphans = [...this.found].slice(0, MAX_ORPHANS_LISTED);
    if (complete) {
      await this.store.reconciliation.clearScanCursor();
      this.cursor = undefined;
    } else {
      this.cursor = { offset, startedAt, orphans, orphanCount };
      await this.store.reconciliation.saveScanCursor(this.cursor);
    }
    return { complete, whole: complete && startOffset === 0, read, pages, offset, total, startedAt, orphans, orphanCount };
  }
}
