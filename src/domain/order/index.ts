import type { Decider } from '../shared/decider';
import type { OrderCommand } from './commands';
import { decide } from './decide';
import type { OrderEvent } from './events';
import { evolve } from './evolve';
import { type OrderState, initialState } from './state';

export * from './commands';
export * from './events';
export * from './state';
export * from './policy';
export * from './steps';
export * from './transitions';
export * from './notification-check';
export { decide, MAX_REFUNDS_PER_ORDER, REFUND_WINDOW_MS } from './decide';
export { evolve } from './evolve';

export const orderDecider: Decider<OrderCommand, OrderEvent, OrderState> = { decide, evolve, initialState };
