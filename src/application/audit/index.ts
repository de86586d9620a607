export * from './timeline';
export * from './replay';
export { summarize } from './summary';
export { readWholeLog } from './log';
