export * from './events';
export * from './notice';
