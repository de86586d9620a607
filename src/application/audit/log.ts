import * as E from 'fp-ts/Either';
import type * as TE from 'fp-ts/TaskEither';
import type { EventStore, RecordedEvent, StoreUnavailable } from '../../ports';

const PAGE = 1000;

/** The whole global log, in order, read page by page. Audits read it once and work in memory. */
export const readWholeLog =
  (store: Pick<EventStore, 'readAll'>): TE.TaskEither<StoreUnavailable, readonly RecordedEvent[]> =>
  async () => {
    const all: RecordedEvent[] = [];
    let from: number | undefined;
    for (;;) {
      const page = await store.readAll({
        ...(from !== undefined ? { fromPosition: from } : {}),
        maxCount: PAGE,
      })();
      if (E.isLeft(page)) return page;
      all.push(...page.right);
      const last = page.right[page.right.length - 1];
      if (last === undefined || page.right.length < PAGE) return E.right(all);
      from = last.position;
    }
  };

export const field = (data: unknown, name: string): unknown =>
  typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[name] : undefined;
