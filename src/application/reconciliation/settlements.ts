import * as E from 'fp-ts/Either';
import type * as TE from 'fp-ts/TaskEither';
import type { GatewayOutcome, Settlement, SettlementQuery, WeChatPayGateway } from '../../ports';

export type SettlementError =
  | { readonly _tag: 'InvalidSettlementQuery'; readonly detail: string }
  | {
      readonly _tag: 'SettlementsUnavailable';
      readonly outcome: GatewayOutcome<unknown>['_tag'];
      readonly code?: string;
      readonly message: string;
    };

/** §5.9: SETTLED needs both dates, end not before start; UNSETTLE ignores them. */
const problem = (q: SettlementQuery): string | undefined => {
  if (q.settleState === 'UNSETTLE') return undefined;
  if (q.startDate === undefined || q.endDate === undefined) return 'SETTLED needs a start and an end date';
  return q.endDate < q.startDate ? `end ${q.endDate} is before start ${q.startDate}` : undefined;
};

/** Settlement batches for the query; the gateway walks every page (§5.9). */
export const querySettlements =
  (
    gateway: Pick<WeChatPayGateway, 'querySettlements'>,
    query: SettlementQuery,
  ): TE.TaskEither<SettlementError, readonly Settlement[]> =>
  async () => {
    const invalid = problem(query);
    if (invalid !== undefined) return E.left({ _tag: 'InvalidSettlementQuery', detail: invalid });
    const outcome = await gateway.querySettlements(query)();
    switch (outcome._tag) {
      case 'Success':
        return E.right(outcome.value);
      case 'Rejected':
      case 'NotFound':
        return E.left({
          _tag: 'SettlementsUnavailable',
          outcome: outcome._tag,
          code: outcome.code,
          message: outcome.message,
        });
      case 'Unknown':
        return E.left({
          _tag: 'SettlementsUnavailable',
          outcome: outcome._tag,
          message: `${outcome.reason}: ${outcome.detail}`,
        });
      case 'InProgress':
        return E.left({
          _tag: 'SettlementsUnavailable',
          outcome: outcome._tag,
          message: 'unexpected answer',
        });
    }
  };

export const describeSettlementError = (e: SettlementError): string =>
  e._tag === 'InvalidSettlementQuery'
    ? `invalid settlement query: ${e.detail}`
    : `settlements unavailable (${e.outcome}${e.code !== undefined ? ` ${e.code}` : ''}): ${e.message}`;
