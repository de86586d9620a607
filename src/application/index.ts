export * from './aggregate';
export * from './command-handler';
export * from './deterministic-id';
export * from './runtime';
export * from './views';
export { createPaymentCore, type PaymentCore } from './payment-core';
export * from './audit';
export { allProjections, rebuildProjections, startProjections } from './projections';
export { formatReconciliation } from './reconciliation';
