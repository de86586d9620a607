import * as E from 'fp-ts/Either';
import type * as TE from 'fp-ts/TaskEither';
import type { ReadModelUnavailable, StoreUnavailable } from '../../ports';
import type { Projection } from './projection';
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
      for (const event of page.right) {
        for (const p of projections) {
          let changes;
          try {
            changes = p.project(event);
          } catch (error) {
            return E.left({ _tag: 'ProjectionFailed', projection: p.name, message: String(error) });
          }
          if (changes.length === 0) continue;
          const applied = await deps.readModels.apply(p.name, event.position, changes)();
          if (E.isLeft(applied)) return applied;
        }
        position = event.position;
        events += 1;
      }
      if (page.right.length < PAGE) break;
    }
    if (position !== undefined) {
      // Checkpoints move to the end of the log even for projections the last events did not touch.
      for (const p of projections) {
        const applied = await deps.readModels.apply(p.name, position, [])();
        if (E.isLeft(applied)) return applied;
      }
    }
    deps.logger.info('projections rebuilt', { projections: projections.map((p) => p.name), events });
    return E.right({ events, position: position ?? 0 });
  };
