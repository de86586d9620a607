export * from '../dist/src/eventstoredb.js';
