import * as TE from 'fp-ts/TaskEither';
import { pipe } from 'fp-ts/function';
import type { ReadModelStore, ReadModelUnavailable, ReconciliationView } from '../../ports';
import { type Projection, change, decodeRecorded } from './projection';

export const RECONCILIATIONS = 'reconciliations';

/** The latest run for one institution and day, keyed `${spMchid}:${date}`. */
export type ReconciliationDoc = Pick<ReconciliationView, keyof ReconciliationView>;

export const reconciliationKey = (spMchid: string, date: string): string => `${spMchid}:${date}`;

export const reconciliationsProjection: Projection = {
  name: 'reconciliations',
  version: 1,
  collections: [RECONCILIATIONS],
  project: (stored) => {
    const decoded = decodeRecorded(stored);
    if (decoded?.category !== 'reconciliation') return [];
    const d = decoded.event.data;
    const view: ReconciliationDoc = {
      spMchid: d.spMchid,
      date: d.date,
      statementSha1: d.statementSha1,
      reconciledAt: d.reconciledAt,
      counts: d.counts,
      lines: d.lines,
    };
    return [change<ReconciliationDoc>(RECONCILIATIONS, reconciliationKey(d.spMchid, d.date), () => view)];
  },
};

export const getReconciliationDoc = (
  readModels: ReadModelStore,
  spMchid: string,
  date: string,
): TE.TaskEither<ReadModelUnavailable, ReconciliationView | undefined> =>
  pipe(
    readModels.get(RECONCILIATIONS, reconciliationKey(spMchid, date)),
    TE.map((doc) => doc as ReconciliationView | undefined),
  );
