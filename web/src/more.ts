/**
 * "Show more" paging after a first page loaded with useLoad: the pages loaded since, where to go on
 * from, and the state of the request in flight. One place for the screens that page a cursor list.
 */
import { useState } from 'preact/hooks';
import { explain } from './errors.ts';

export interface CursorPage<T> {
  items: T[];
  nextCursor: string | null;
}

/** What the "show more" button needs of the hook, whatever the rows' type. */
export interface More {
  loading: boolean;
  error: string | undefined;
  load: (cursor: string | null) => Promise<void>;
}

export const useMore = <T>(fetchPage: (cursor: string) => Promise<CursorPage<T>>) => {
  const [more, setMore] = useState<{ items: T[]; cursor: string | null } | undefined>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | undefined>();
  return {
    loading,
    error,
    /** The first page's rows and those loaded since, and the cursor to go on from (null at the end). */
    after: (first: CursorPage<T>) => ({
      items: [...first.items, ...(more?.items ?? [])],
      cursor: more ? more.cursor : first.nextCursor,
    }),
    /** Loads the page at `cursor` (nothing while one is loading, or at the end). */
    load: async (cursor: string | null): Promise<void> => {
      if (!cursor || loading) return;
      setLoading(true);
      setError(undefined);
      try {
        const page = await fetchPage(cursor);
        setMore((m) => ({ items: [...(m?.items ?? []), ...page.items], cursor: page.nextCursor }));
      } catch (e) {
        setError(explain(e).message);
      } finally {
        setLoading(false);
      }
    },
  };
};
