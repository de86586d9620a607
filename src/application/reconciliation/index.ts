export * from './reconcile';
export * from './format';
export * from './settlements';
