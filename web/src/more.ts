/**
 * "Show more" paging after a first page loaded with useLoad: the pages loaded since, where to go on
 * from, and the state of the request in flight. One place for the screens that page a cursor list.
 */
import { useRef, useState } from 'preact/hooks';
import { explain } from './errors.ts';
import { focusOn } from './ui.tsx';

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

/**
 * Keyboard focus onto row `index` of `list` (made focusable, not tabbable, if it is not already):
 * where a keyboard user goes on reading once the "show more" button they pressed is gone.
 */
export const focusRow = (list: Element | null | undefined, index: number): void => {
  const row = list?.children[index] as HTMLElement | undefined;
  if (row) focusOn(row);
};

export const useMore = <T>(fetchPage: (cursor: string) => Promise<CursorPage<T>>) => {
  const [more, setMore] = useState<{ items: T[]; cursor: string | null } | undefined>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | undefined>();
  /** The list the rows are in: at the last page, focus moves to its first new row (`focusRow`). */
  const listRef = useRef<HTMLOListElement & HTMLUListElement>(null);
  return {
    loading,
    error,
    listRef,
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
      const before = listRef.current?.children.length ?? 0;
      try {
        const page = await fetchPage(cursor);
        setMore((m) => ({ items: [...(m?.items ?? []), ...page.items], cursor: page.nextCursor }));
        // The button goes away with the last page: focus would fall to the page's start.
        if (!page.nextCursor) requestAnimationFrame(() => focusRow(listRef.current, before));
      } catch (e) {
        setError(explain(e).message);
      } finally {
        setLoading(false);
      }
    },
  };
};
