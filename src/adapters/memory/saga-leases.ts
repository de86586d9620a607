import * as E from 'fp-ts/Either';
import { SAGA_PARTITIONS, type SagaLeases } from '../../ports/saga-leases';
import { EMPTY_LEASE_TABLE, type LeaseTable, claimOnTable, releaseOnTable } from '../shared/lease-table';

export { exclusiveSagaLeases } from '../../ports/saga-leases';

/**
 * A shared table in this process's memory, on the wall clock: several payment cores of one process
 * sharing one memory store behave as instances sharing a log (the in-process scale-out tests).
 */
export const createMemorySagaLeases = (
  partitions = SAGA_PARTITIONS,
  now: () => number = Date.now,
): SagaLeases => {
  let table: LeaseTable = EMPTY_LEASE_TABLE;
  return {
    kind: 'shared',
    partitions,
    claim: (request) => async () => {
      const result = claimOnTable(table, request, now());
      table = result.table;
      return E.right(result.grant);
    },
    release: (owner) => async () => {
      table = releaseOnTable(table, owner);
      return E.right(undefined);
    },
  };
};
