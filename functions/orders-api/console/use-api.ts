/**
 * A GET of the API as a Preact hook: the answer, the error, a reload, and polling while the data
 * says it may still change (`refreshWhile`), every REFRESH_MS. A poll never overlaps the last one.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, type ApiError } from './api.js';

export const REFRESH_MS = 1500;

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  reload: () => Promise<void>;
}

/**
 * `refreshWhile`: poll again while it says so. `reloadKey`: read again whenever it changes (a
 * section of an order reads once more when the order changes, so the last change is never missed).
 */
export function useApi<T>(path: string | undefined, refreshWhile?: (data: T) => boolean, reloadKey?: string): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | Error | undefined>(undefined);
  const current = useRef(path);
  current.current = path;
  const whileRef = useRef(refreshWhile);
  whileRef.current = refreshWhile;

  const load = useCallback(async (): Promise<T | undefined> => {
    if (!path) return undefined;
    try {
      const answer = await api<T>('GET', path);
      if (current.current !== path) return undefined;
      setData(answer);
      setError(undefined);
      return answer;
    } catch (failure) {
      if (current.current === path) setError(failure instanceof Error ? failure : new Error(String(failure)));
      return undefined;
    }
  }, [path]);

  useEffect(() => {
    setData(undefined);
    setError(undefined);
  }, [path]);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      const answer = await load();
      if (stopped) return;
      if (answer !== undefined && whileRef.current?.(answer)) timer = setTimeout(() => void tick(), REFRESH_MS);
    };
    void tick();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [load, reloadKey]);

  const reload = useCallback(async () => {
    await load();
  }, [load]);
  return { data, error, reload };
}
