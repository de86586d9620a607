export * from '../dist/src/sqlite.js';
