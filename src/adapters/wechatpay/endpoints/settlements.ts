import type * as T from 'fp-ts/Task';
import type { GatewayOutcome, Settlement, SettlementQuery } from '../../../ports/wechat-pay-gateway';
import { decodeWith } from '../codecs/decode';
import { SettlementPageCodec, toSettlement } from '../codecs/settlement';
import { invalidArgument } from '../outcome';
import { call, queryString, type EndpointContext } from './context';

/**
 * Settlement details (reference §5.9). Dates are required for SETTLED and ignored for UNSETTLE,
 * so they are sent only for SETTLED; end ≥ start is checked before calling, since WeChat would only
 * reject it. `limit` is 10 ("≤ 10 recommended, system max 30").
 */

export const SETTLEMENT_PAGE_SIZE = 10;
const MAX_SETTLEMENT_PAGES = 1000;

export const settlementParams = (query: SettlementQuery, offset: number) => {
  const dates =
    query.settleState === 'SETTLED'
      ? { settle_start_date: query.startDate, settle_end_date: query.endDate }
      : {};
  return {
    sub_mchid: query.subMchid,
    settle_state: query.settleState,
    ...dates,
    offset,
    limit: SETTLEMENT_PAGE_SIZE,
  };
};

export const querySettlements =
  (ctx: EndpointContext) =>
  (query: SettlementQuery): T.Task<GatewayOutcome<readonly Settlement[]>> =>
  async () => {
    if (query.settleState === 'SETTLED') {
      if (query.startDate === undefined || query.endDate === undefined)
        return invalidArgument('SETTLED needs startDate and endDate');
      if (query.endDate < query.startDate) return invalidArgument('endDate is before startDate');
    }
    const settlements: Settlement[] = [];
    for (let page = 0; page < MAX_SETTLEMENT_PAGES; page += 1) {
      const outcome = await call(
        ctx,
        'querySettlements',
        {
          method: 'GET',
          pathAndQuery: `/v3/global/settle/settlements${queryString(settlementParams(query, settlements.length))}`,
        },
        { decode: (json) => decodeWith(SettlementPageCodec, json), idempotent: true },
      );
      if (outcome._tag !== 'Success') return outcome;
      const data = outcome.value.data ?? [];
      settlements.push(...data.map(toSettlement));
      if (data.length === 0 || settlements.length >= outcome.value.total_count) break;
    }
    return { _tag: 'Success', value: settlements };
  };
