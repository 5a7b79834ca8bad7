/** How Plivo calls fell into rate-limit windows: pure functions over call timestamps (epoch ms). */

/** Calls in each clock window of `windowMs` from `startMs` (index 0 = the first window). */
export function callsPerWindow(times: readonly number[], startMs: number, windowMs: number): number[] {
  const counts: number[] = [];
  for (const at of times) {
    const index = Math.max(0, Math.floor((at - startMs) / windowMs));
    while (counts.length <= index) counts.push(0);
    counts[index] = (counts[index] ?? 0) + 1;
  }
  return counts;
}

/**
 * The most calls in any interval of `windowMs` (sliding: every interval that starts at a call),
 * which is at least as many as any clock-aligned window holds.
 */
export function busiestWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let end = 0;
  for (let start = 0; start < sorted.length; start++) {
    const from = sorted[start] as number;
    while (end < sorted.length && (sorted[end] as number) < from + windowMs) end++;
    most = Math.max(most, end - start);
  }
  return most;
}
