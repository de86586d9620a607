import * as E from 'fp-ts/Either';
import type * as TE from 'fp-ts/TaskEither';
import type { SpMchid, StatementDate } from '../../domain';
import { reconciliationStreamId } from '../../domain';
import {
  ReconciliationEventCodec,
  ReconciliationRecorded,
  countLines,
  defaultStatementSchedule,
  describeAvailability,
  matchStatement,
  statementAvailability,
  type StatementSchedule,
  type OurPayment,
  type OurRefund,
  type StatementLine,
} from '../../domain/reconciliation';
import type {
  Clock,
  EventStore,
  GatewayOutcome,
  Logger,
  ReadModelStore,
  ReadModelUnavailable,
  ReconciliationView,
  Statement,
  StoreUnavailable,
  WeChatPayGateway,
} from '../../ports';
import { decodeEvent } from '../aggregate';
import { deterministicUuid } from '../deterministic-id';
import { PAYMENTS, type PaymentDoc, paymentKey } from '../projections/payments';
import { REFUNDS, type RefundDoc, refundKey } from '../projections/refunds';
import { getReconciliationDoc } from '../projections/reconciliations';

export type ReconcileError =
  /**
   * WeChat cannot give this day's statement yet: the GMT+8 day has not closed, the file is not
   * generated yet, or WeChat answered NO_STATEMENT_EXIST. Nothing is recorded; try again from
   * `availableFrom` (when known).
   */
  | {
      readonly _tag: 'StatementNotReady';
      readonly reason: 'DayNotClosed' | 'NotGeneratedYet' | 'NoStatementYet';
      readonly availableFrom?: string;
      readonly message: string;
    }
  /** Older than the 180 days WeChat keeps statements for: WeChat is not asked. */
  | { readonly _tag: 'StatementTooOld'; readonly oldestDate: string; readonly message: string }
  | {
      readonly _tag: 'StatementUnavailable';
      readonly outcome: GatewayOutcome<Statement>['_tag'];
      readonly code?: string;
      readonly message: string;
    }
  | ReadModelUnavailable
  | StoreUnavailable;

export interface ReconcileDeps {
  readonly store: EventStore;
  readonly gateway: Pick<WeChatPayGateway, 'downloadStatement'>;
  readonly readModels: ReadModelStore;
  readonly clock: Clock;
  /** Where unknown statement columns are reported; optional for tools that have none. */
  readonly logger?: Pick<Logger, 'warn'>;
  /** When statements can be had; the defaults follow WeChat (domain/reconciliation/availability). */
  readonly statementSchedule?: StatementSchedule;
}

export interface ReconcileContext {
  /** Makes a retried request record nothing twice; without it each run is recorded. */
  readonly commandId?: string;
  readonly correlationId: string;
  readonly actor: string;
}

/**
 * WeChat's "no such statement" (reference §5.8). It does not say whether the file is not generated
 * yet or the day had no trade, so it is never read as an empty day: that would report every record
 * of ours missing at WeChat.
 */
const NO_STATEMENT = 'NO_STATEMENT_EXIST';

/** Refuses, before WeChat is asked, a day whose statement cannot exist yet or no longer can. */
const checkAvailable = (deps: ReconcileDeps, date: StatementDate): E.Either<ReconcileError, void> => {
  const a = statementAvailability(date, deps.clock.now(), deps.statementSchedule ?? defaultStatementSchedule);
  const message = describeAvailability(date, a);
  switch (a._tag) {
    case 'Available':
      return E.right(undefined);
    case 'DayNotClosed':
    case 'NotGeneratedYet':
      return E.left({ _tag: 'StatementNotReady', reason: a._tag, availableFrom: a.availableFrom, message });
    case 'TooOld':
      return E.left({ _tag: 'StatementTooOld', oldestDate: a.oldestDate, message });
  }
};

const statementOf = (
  date: StatementDate,
  outcome: GatewayOutcome<Statement>,
): E.Either<ReconcileError, Pick<Statement, 'sha1' | 'rows' | 'unknownColumns'>> => {
  switch (outcome._tag) {
    case 'Success':
      return E.right(outcome.value);
    case 'Rejected':
    case 'NotFound':
      return outcome.code === NO_STATEMENT
        ? E.left({
            _tag: 'StatementNotReady',
            reason: 'NoStatementYet',
            message: `WeChat has no statement for ${date} yet (${NO_STATEMENT}); try again later`,
          })
        : E.left({
            _tag: 'StatementUnavailable',
            outcome: outcome._tag,
            code: outcome.code,
            message: `statement for ${date}: ${outcome.message}`,
          });
    case 'Unknown':
      return E.left({
        _tag: 'StatementUnavailable',
        outcome: outcome._tag,
        message: `statement for ${date}: ${outcome.reason} (${outcome.detail})`,
      });
    case 'InProgress':
      return E.left({ _tag: 'StatementUnavailable', outcome: outcome._tag, message: 'unexpected answer' });
  }
};

const present = (s: string): boolean => s !== '';

/**
 * Our records of that day, plus any record a statement row names that is dated otherwise (a refund
 * of an earlier payment, a time that fell either side of midnight), so such a row is compared with
 * our record rather than reported missing.
 */
const loadOurs = async (
  readModels: ReadModelStore,
  spMchid: SpMchid,
  date: StatementDate,
  rows: readonly StatementLine[],
): Promise<E.Either<ReadModelUnavailable, { payments: PaymentDoc[]; refunds: RefundDoc[] }>> => {
  const payments = await readModels.list(PAYMENTS, { where: { spMchid, date } })();
  if (E.isLeft(payments)) return payments;
  const refunds = await readModels.list(REFUNDS, { where: { spMchid, date } })();
  if (E.isLeft(refunds)) return refunds;
  const ours = {
    payments: [...(payments.right as readonly PaymentDoc[])],
    refunds: [...(refunds.right as readonly RefundDoc[])],
  };
  const paymentKeys = new Set(ours.payments.map((p) => paymentKey(p.subMchid, p.outTradeNo)));
  const refundKeys = new Set(ours.refunds.map((r) => refundKey(r.subMchid, r.outRefundNo)));
  const knownTransactions = new Set(ours.payments.map((p) => p.transactionId));
  const knownRefundIds = new Set(ours.refunds.map((r) => r.refundId));
  for (const row of rows) {
    if (present(row.outRefundNo) || present(row.refundId)) {
      const k = refundKey(row.subMchid, row.outRefundNo);
      if (!present(row.outRefundNo) || refundKeys.has(k) || knownRefundIds.has(row.refundId)) continue;
      const found = await readModels.get(REFUNDS, k)();
      if (E.isLeft(found)) return found;
      refundKeys.add(k);
      if (found.right !== undefined) ours.refunds.push(found.right as RefundDoc);
    } else {
      const k = paymentKey(row.subMchid, row.outTradeNo);
      if (!present(row.outTradeNo) || paymentKeys.has(k) || knownTransactions.has(row.transactionId))
        continue;
      const found = await readModels.get(PAYMENTS, k)();
      if (E.isLeft(found)) return found;
      paymentKeys.add(k);
      if (found.right !== undefined) ours.payments.push(found.right as PaymentDoc);
    }
  }
  return E.right(ours);
};

/**
 * Reconciles one day (issue 6 §6): download the statement, match it row by row against the read
 * models, record the outcome in `reconciliation-{spMchid}:{date}`, return it. The read models
 * should be caught up first (`waitForPosition`), or recent records show as missing here.
 */
export const reconcile =
  (
    deps: ReconcileDeps,
    spMchid: SpMchid,
    date: StatementDate,
    context: ReconcileContext,
  ): TE.TaskEither<ReconcileError, ReconciliationView> =>
  async () => {
    const streamId = reconciliationStreamId(spMchid, date);
    if (context.commandId !== undefined) {
      // 'any' pins no revision, so the store cannot recognise a retry: look for this command's event.
      const earlier = await recordedRun(
        deps.store,
        streamId,
        deterministicUuid(context.commandId, streamId, '0'),
      );
      if (E.isLeft(earlier)) return earlier;
      if (earlier.right !== undefined) return E.right(earlier.right);
    }
    const available = checkAvailable(deps, date);
    if (E.isLeft(available)) return available;
    const statement = statementOf(date, await deps.gateway.downloadStatement(date)());
    if (E.isLeft(statement)) return statement;
    const unknownColumns = statement.right.unknownColumns ?? [];
    if (unknownColumns.length > 0) {
      // Kept in each row's raw values; an operator should see that WeChat's layout has moved on.
      deps.logger?.warn('statement has columns this client does not know', { date, unknownColumns });
    }
    const ours = await loadOurs(deps.readModels, spMchid, date, statement.right.rows);
    if (E.isLeft(ours)) return ours;
    const lines = matchStatement(statement.right.rows, {
      payments: ours.right.payments as readonly OurPayment[],
      refunds: ours.right.refunds as readonly OurRefund[],
    });
    const reconciledAt = new Date(deps.clock.now()).toISOString();
    const view: ReconciliationView = {
      spMchid,
      date,
      statementSha1: statement.right.sha1,
      reconciledAt,
      counts: countLines(lines),
      lines,
      ...(unknownColumns.length > 0 ? { unknownColumns } : {}),
    };
    const commandId = context.commandId ?? `reconcile:${streamId}:${reconciledAt}:${context.correlationId}`;
    const id = deterministicUuid(commandId, streamId, '0');
    const appended = await deps.store.append(
      streamId,
      [
        {
          id,
          type: ReconciliationRecorded.type,
          data: view,
          metadata: {
            correlationId: context.correlationId,
            causationId: context.commandId ?? context.correlationId,
            recordedAt: reconciledAt,
            actor: context.actor,
            schemaVersion: ReconciliationRecorded.version,
          },
        },
      ],
      // Runs of one day are independent observations: any number may be recorded, in any order.
      'any',
    )();
    if (E.isLeft(appended)) {
      return E.left(
        appended.left._tag === 'StoreUnavailable'
          ? appended.left
          : { _tag: 'StoreUnavailable', message: `reconciliation not recorded: ${appended.left._tag}` },
      );
    }
    return E.right(view);
  };

const recordedRun = async (
  store: EventStore,
  streamId: string,
  id: string,
): Promise<E.Either<StoreUnavailable, ReconciliationView | undefined>> => {
  const events = await store.readStream(streamId)();
  if (E.isLeft(events)) {
    return events.left._tag === 'StreamNotFound' ? E.right(undefined) : E.left(events.left);
  }
  const found = events.right.find((e) => e.id === id);
  if (found === undefined) return E.right(undefined);
  const decoded = decodeEvent(ReconciliationEventCodec, found);
  return E.isLeft(decoded)
    ? E.left({ _tag: 'StoreUnavailable', message: `recorded run does not decode: ${decoded.left.message}` })
    : E.right(decoded.right.data);
};

/** The latest recorded run for that day, from the read model. */
export const getReconciliation = (
  readModels: ReadModelStore,
  spMchid: string,
  date: string,
): TE.TaskEither<ReadModelUnavailable, ReconciliationView | undefined> =>
  getReconciliationDoc(readModels, spMchid, date);

export const describeReconcileError = (e: ReconcileError): string => {
  switch (e._tag) {
    case 'StatementUnavailable':
      return `statement unavailable (${e.outcome}${e.code !== undefined ? ` ${e.code}` : ''}): ${e.message}`;
    case 'StatementNotReady':
      return `statement not available yet: ${e.message}`;
    case 'StatementTooOld':
      return `statement out of range: ${e.message}`;
    default:
      return `${e._tag}: ${e.message}`;
  }
};
