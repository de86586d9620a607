import { activeSagasProjection } from './active-sagas';
import { dailySummaryProjection } from './daily-summary';
import { paymentsProjection } from './payments';
import { pendingNotificationsProjection } from './pending-notifications';
import type { Projection } from './projection';
import { reconciliationsProjection } from './reconciliations';
import { refundsProjection } from './refunds';
import { reviewQueueProjection } from './review-queue';

export * from './projection';
export * from './runner';
export * from './rebuild';
export * from './payments';
export * from './refunds';
export * from './daily-summary';
export * from './review-queue';
export * from './reconciliations';
export * from './active-sagas';
export * from './pending-notifications';

/** Every read model the core keeps (docs/architecture.md, "Projections"). */
export const allProjections: readonly Projection[] = [
  paymentsProjection,
  refundsProjection,
  dailySummaryProjection,
  reviewQueueProjection,
  reconciliationsProjection,
  activeSagasProjection,
  pendingNotificationsProjection,
];
