export * from '../dist/src/service.js';
