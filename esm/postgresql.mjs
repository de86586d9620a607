// ESM entry: the CommonJS build's exports, re-exported by name (one copy of the module, not two).
export * from '../dist/src/postgresql.js';
