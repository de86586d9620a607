export * from './event-store';
export * from './clock';
export * from './timers';
export * from './logger';
export * from './wechat-pay-gateway';
export * from './notification-verifier';
export * from './read-models';
