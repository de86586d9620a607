export * from '../dist/src/postgresql.js';
