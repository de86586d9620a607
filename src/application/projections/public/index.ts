/** The public projection API: what a platform needs to feed its own read models from the log. */
export * from './events';
export * from './projection';
export * from './runner';
export * from './health';
