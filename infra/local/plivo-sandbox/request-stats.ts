/**
 * How many API requests the sandbox answered, per route template and status. Benchmarks and tests
 * compare a client's own call counts with these, so every API request is counted exactly once,
 * whatever became of it: 401, 429, 400, an injected fault, or a dropped connection ("drop").
 */

/** `{"GET AvailableNumberGroup/": {"200": 3, "429": 1}}` */
export type RequestCounts = Record<string, Record<string, number>>;

export interface RequestStatsSnapshot {
  total: number;
  byRoute: RequestCounts;
}

export class RequestStats {
  private total = 0;
  private byRoute: RequestCounts = {};

  /** Counts one request under its route template and outcome (a status, or "drop"). */
  record(template: string, outcome: number | 'drop'): void {
    this.total++;
    const counts = (this.byRoute[template] ??= {});
    const key = String(outcome);
    counts[key] = (counts[key] ?? 0) + 1;
  }

  snapshot(): RequestStatsSnapshot {
    return {
      total: this.total,
      byRoute: Object.fromEntries(Object.entries(this.byRoute).map(([route, counts]) => [route, { ...counts }])),
    };
  }

  reset(): void {
    this.total = 0;
    this.byRoute = {};
  }
}
