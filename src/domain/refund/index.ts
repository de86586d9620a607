import type { Decider } from '../shared/decider';
import type { RefundCommand } from './commands';
import { decide } from './decide';
import type { RefundEvent } from './events';
import { evolve } from './evolve';
import { type RefundState, initialState } from './state';

export * from './commands';
export * from './events';
export * from './state';
export * from './policy';
export * from './steps';
export * from './transitions';
export * from './notification-check';
export { decide, OUT_REFUND_NO_USED } from './decide';
export { evolve, JANITOR_DAILY_FROM } from './evolve';

export const refundDecider: Decider<RefundCommand, RefundEvent, RefundState> = {
  decide,
  evolve,
  initialState,
};
