import * as E from 'fp-ts/Either';
import { querySettlements } from '../../../../src/application/reconciliation';
import { StatementDateCodec } from '../../../../src/domain';
import type { GatewayOutcome, Settlement, SettlementQuery } from '../../../../src/ports';
import { valid } from '../projections/scenarios';

const d = (s: string) => valid(StatementDateCodec, s);

const batches: readonly Settlement[] = [
  {
    batchId: 'B1',
    settlementDate: '20260303',
    amount: { currency: 'HKD', settled: 12_500, net: 12_425, fee: 75 },
  },
  { batchId: 'B2', settlementDate: '20260304', amount: { currency: 'HKD', settled: 700, net: 696, fee: 4 } },
];

const gateway = (outcome: GatewayOutcome<readonly Settlement[]>) => {
  const queries: SettlementQuery[] = [];
  return {
    queries,
    querySettlements: (q: SettlementQuery) => () => {
      queries.push(q);
      return Promise.resolve(outcome);
    },
  };
};

describe('querySettlements', () => {
  it('returns every batch the gateway walked to', async () => {
    const g = gateway({ _tag: 'Success', value: batches });
    const query: SettlementQuery = {
      settleState: 'SETTLED',
      startDate: d('20260301'),
      endDate: d('20260305'),
    };
    expect(await querySettlements(g, query)()).toEqual(E.right(batches));
    expect(g.queries).toEqual([query]);
  });

  it('asks for UNSETTLE without dates', async () => {
    const g = gateway({ _tag: 'Success', value: [] });
    expect(await querySettlements(g, { settleState: 'UNSETTLE' })()).toEqual(E.right([]));
  });

  it('refuses a SETTLED query without both dates, or ending before it starts, without calling WeChat', async () => {
    const g = gateway({ _tag: 'Success', value: batches });
    const missing = await querySettlements(g, { settleState: 'SETTLED', startDate: d('20260301') })();
    const backwards = await querySettlements(g, {
      settleState: 'SETTLED',
      startDate: d('20260305'),
      endDate: d('20260301'),
    })();
    expect(missing).toEqual(E.left(expect.objectContaining({ _tag: 'InvalidSettlementQuery' })));
    expect(backwards).toEqual(
      E.left({ _tag: 'InvalidSettlementQuery', detail: 'end 20260301 is before start 20260305' }),
    );
    expect(g.queries).toEqual([]);
  });

  it('maps a rejection to an error carrying WeChat code and message', async () => {
    const g = gateway({
      _tag: 'Rejected',
      httpStatus: 400,
      code: 'PARAM_ERROR',
      message: 'sub_mchid required',
    });
    expect(await querySettlements(g, { settleState: 'UNSETTLE' })()).toEqual(
      E.left({
        _tag: 'SettlementsUnavailable',
        outcome: 'Rejected',
        code: 'PARAM_ERROR',
        message: 'sub_mchid required',
      }),
    );
  });
});
