export * from '../dist/src/sandbox.js';
