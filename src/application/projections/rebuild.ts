import * as E from 'fp-ts/Either';
import type * as TE from 'fp-ts/TaskEither';
import type { ProjectionBatch, ReadModelUnavailable, StoreUnavailable } from '../../ports';
import { changesAfter, type Projection } from './projection';
import type { ProjectionDeps } from './runner';

const PAGE = 500;

export type RebuildError =
  | StoreUnavailable
  | ReadModelUnavailable
  | { readonly _tag: 'ProjectionFailed'; readonly projection: string; readonly message: string };

export interface RebuildReport {
  readonly events: number;
  /** The checkpoint every projection now holds. */
  readonly position: number;
}

/**
 * Drops the projections' read models and checkpoints and replays the whole log into them. Run it
 * with the projections stopped (a running subscription would keep writing behind it).
 */
export const rebuildProjections =
  (deps: ProjectionDeps, projections: readonly Projection[]): TE.TaskEither<RebuildError, RebuildReport> =>
  async () => {
    for (const p of projections) {
      const reset = await deps.readModels.reset(p.name, p.collections)();
      if (E.isLeft(reset)) return reset;
    }
    let position: number | undefined;
    let events = 0;
    for (;;) {
      const page = await deps.store.readAll({
        ...(position !== undefined ? { fromPosition: position } : {}),
        maxCount: PAGE,
      })();
      if (E.isLeft(page)) return page;
      const last = page.right[page.right.length - 1]?.position;
      if (last === undefined) break;
      // Every projection's checkpoint moves with each page, also past events it had nothing to say about.
      const batches: ProjectionBatch[] = [];
      for (const p of projections) {
        try {
          batches.push({
            projection: p.name,
            position: last,
            changes: changesAfter(p, undefined, page.right),
          });
        } catch (error) {
          return E.left({ _tag: 'ProjectionFailed', projection: p.name, message: String(error) });
        }
      }
      const applied = await deps.readModels.applyAll(batches)();
      if (E.isLeft(applied)) return applied;
      position = last;
      events += page.right.length;
      if (page.right.length < PAGE) break;
    }
    deps.logger.info('projections rebuilt', { projections: projections.map((p) => p.name), events });
    return E.right({ events, position: position ?? 0 });
  };
