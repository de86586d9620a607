export * from './shared/money';
export * from './shared/ids';
export * from './shared/events';
export * from './shared/errors';
export * from './shared/decider';
export * from './shared/janitor';
export * as Order from './order';
export * as Refund from './refund';
export * as Notification from './notification';
