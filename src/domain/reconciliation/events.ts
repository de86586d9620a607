import * as t from 'io-ts';
import { SpMchidCodec, StatementDateCodec } from '../shared/ids';
import { defineEvent, IsoDateTimeCodec } from '../shared/events';

/**
 * Reconciliation stream events (`reconciliation-{spMchid}:{date}`): the outcome of matching one
 * day's statement (reference §5.8) against our records. Each run is recorded whole, so the stream
 * keeps every run and the read model shows the latest.
 */

export const ReconciliationClassCodec = t.keyof({
  matched: null,
  amount_mismatch: null,
  status_mismatch: null,
  missing_here: null,
  missing_at_wechat: null,
});
export type ReconciliationClass = t.TypeOf<typeof ReconciliationClassCodec>;

export const RECONCILIATION_CLASSES: readonly ReconciliationClass[] = [
  'matched',
  'amount_mismatch',
  'status_mismatch',
  'missing_here',
  'missing_at_wechat',
];

const SideCodec = t.readonly(t.type({ amount: t.number, currency: t.string, status: t.string }));

export const ReconciliationLineCodec = t.readonly(
  t.intersection([
    t.type({
      kind: t.keyof({ payment: null, refund: null }),
      classification: ReconciliationClassCodec,
      subMchid: t.string,
    }),
    t.partial({
      outTradeNo: t.string,
      transactionId: t.string,
      outRefundNo: t.string,
      refundId: t.string,
      ours: SideCodec,
      theirs: SideCodec,
    }),
  ]),
  'ReconciliationLine',
);
export type ReconciliationLine = t.TypeOf<typeof ReconciliationLineCodec>;

export const ReconciliationCountsCodec = t.readonly(
  t.type({
    matched: t.number,
    amount_mismatch: t.number,
    status_mismatch: t.number,
    missing_here: t.number,
    missing_at_wechat: t.number,
  }),
  'ReconciliationCounts',
);
export type ReconciliationCounts = t.TypeOf<typeof ReconciliationCountsCodec>;

export const ReconciliationRecorded = defineEvent(
  'ReconciliationRecorded',
  1,
  {
    spMchid: SpMchidCodec,
    date: StatementDateCodec,
    /** SHA-1 of the plain statement CSV as WeChat declared it; empty when WeChat had no statement. */
    statementSha1: t.string,
    reconciledAt: IsoDateTimeCodec,
    counts: ReconciliationCountsCodec,
    lines: t.readonlyArray(ReconciliationLineCodec),
  },
  {
    /** Statement header names the client did not know (their values were kept, not matched). */
    unknownColumns: t.readonlyArray(t.string),
  },
);

export const ReconciliationEventCodec = ReconciliationRecorded.codec;
export type ReconciliationEvent = t.TypeOf<typeof ReconciliationEventCodec>;
export const RECONCILIATION_EVENTS = [ReconciliationRecorded] as const;

export const countLines = (lines: readonly ReconciliationLine[]): ReconciliationCounts => {
  const counts: Record<ReconciliationClass, number> = {
    matched: 0,
    amount_mismatch: 0,
    status_mismatch: 0,
    missing_here: 0,
    missing_at_wechat: 0,
  };
  for (const line of lines) counts[line.classification] += 1;
  return counts;
};
