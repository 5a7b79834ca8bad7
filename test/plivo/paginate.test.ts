import { describe, expect, it } from 'vitest';
import { collect, paginate } from '../../functions/lib/plivo/paginate.js';
import type { Page } from '../../functions/lib/plivo/schemas.js';

function fakeList(total: number) {
  const calls: { offset: number; limit: number }[] = [];
  const fetchPage = async (offset: number, limit: number): Promise<Page<number>> => {
    calls.push({ offset, limit });
    const objects = Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) => offset + i);
    const next = offset + limit < total ? `/next?offset=${offset + limit}` : null;
    return { apiId: 'x', meta: { limit, offset, total_count: total, next, previous: null }, objects };
  };
  return { calls, fetchPage };
}

describe('paginate', () => {
  it('walks every page in pages of at most 20', async () => {
    const list = fakeList(45);
    expect(await collect(paginate(list.fetchPage))).toEqual(Array.from({ length: 45 }, (_, i) => i));
    expect(list.calls).toEqual([
      { offset: 0, limit: 20 },
      { offset: 20, limit: 20 },
      { offset: 40, limit: 20 },
    ]);
  });

  it('is lazy: breaking early fetches no further page', async () => {
    const list = fakeList(100);
    for await (const item of paginate(list.fetchPage, { pageSize: 10 })) if (item === 3) break;
    expect(list.calls).toHaveLength(1);
  });

  it('caps the page size at 20 and honours maxItems and startOffset', async () => {
    const list = fakeList(100);
    expect(await collect(paginate(list.fetchPage, { pageSize: 50, maxItems: 25, startOffset: 10 }))).toHaveLength(25);
    expect(list.calls[0]).toEqual({ offset: 10, limit: 20 });
  });

  it('stops on an empty list', async () => {
    expect(await collect(paginate(fakeList(0).fetchPage))).toEqual([]);
  });

  it('keeps walking while total_count says more remain, even when next is null or ""', async () => {
    const calls: number[] = [];
    const fetchPage = async (offset: number, limit: number): Promise<Page<number>> => {
      calls.push(offset);
      const objects = Array.from({ length: Math.max(0, Math.min(limit, 45 - offset)) }, (_, i) => offset + i);
      return { apiId: undefined, meta: { limit, offset, total_count: 45, next: offset === 0 ? null : '', previous: '' }, objects };
    };
    expect(await collect(paginate(fetchPage))).toEqual(Array.from({ length: 45 }, (_, i) => i));
    expect(calls).toEqual([0, 20, 40]);
  });

  it('stops at total_count even when next points past the end', async () => {
    const calls: number[] = [];
    const fetchPage = async (offset: number, limit: number): Promise<Page<number>> => {
      calls.push(offset);
      const objects = Array.from({ length: Math.max(0, Math.min(limit, 30 - offset)) }, (_, i) => offset + i);
      return { apiId: undefined, meta: { limit, offset, total_count: 30, next: `/next?offset=${offset + limit}`, previous: null }, objects };
    };
    expect(await collect(paginate(fetchPage))).toHaveLength(30);
    expect(calls).toEqual([0, 20]);
  });
});
