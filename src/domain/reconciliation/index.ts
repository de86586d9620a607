export * from './events';
export * from './match';
export * from './dates';
export * from './availability';
