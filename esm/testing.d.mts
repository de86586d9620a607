export * from '../dist/src/testing.js';
