/** Small pieces every page uses: errors, times, status badges, stacked bars. */
import type { ComponentChildren } from 'preact';
import { ApiError } from './api.js';

export function ErrorNote({ error }: { error: Error | undefined }) {
  if (!error) return null;
  const issues = error instanceof ApiError ? error.issues : [];
  return (
    <div class="error" role="alert">
      <p>{error instanceof ApiError ? `${error.status}: ${error.message}` : error.message}</p>
      {issues.length > 0 && (
        <ul>
          {issues.map((issue) => (
            <li key={issue.field}>
              <code>{issue.field}</code> {issue.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status">
      Loading {what}…
    </p>
  );
}

/** A time in the operator's zone, the exact instant on hover and for assistive technology. */
export function Time({ at }: { at: string | undefined }) {
  if (!at) return <span class="muted">–</span>;
  const date = new Date(at);
  return (
    <time dateTime={at} title={at}>
      {date.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' })}
    </time>
  );
}

export function duration(from: string | undefined, to: string | undefined): string {
  if (!from || !to) return '–';
  const ms = new Date(to).getTime() - new Date(from).getTime();
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function Status({ status }: { status: string }) {
  return <span class={`status status-${status.toLowerCase().replace(/_/g, '-')}`}>{status}</span>;
}

export interface Segment {
  label: string;
  value: number;
  /** A class of console.css: the segment's colour. */
  kind: string;
}

/**
 * A horizontal stacked bar in SVG (no inline styles: the page's CSP allows none), described in
 * words for screen readers; the numbers are also shown beside it by the caller.
 */
export function StackedBar({ segments, total, label }: { segments: readonly Segment[]; total: number; label: string }) {
  const scale = total > 0 ? 100 / total : 0;
  let x = 0;
  return (
    <svg class="bar" viewBox="0 0 100 6" preserveAspectRatio="none" role="img" aria-label={label}>
      <rect class="bar-track" x="0" y="0" width="100" height="6" />
      {segments.map((segment) => {
        const width = Math.min(segment.value * scale, 100 - x);
        const rect = <rect key={segment.label} class={segment.kind} x={x} y="0" width={Math.max(width, 0)} height="6" />;
        x += Math.max(width, 0);
        return rect;
      })}
    </svg>
  );
}

export function Section({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  const headingId = `${id ?? title.toLowerCase().replace(/\W+/g, '-')}-heading`;
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      {children}
    </section>
  );
}
