export { createHttpServer, routesOf, DEFAULT_BODY_LIMIT_BYTES } from './server';
export type { HttpServerDeps, RouteEntry } from './server';
export { listenHttpServer } from './listen';
export type { ListeningServer } from './listen';
export { PROBLEM_CODES, PROBLEM_CONTENT_TYPE } from './problem';
export type { Problem, ProblemCode, FieldError } from './problem';
export { WEBHOOK_PATH, webhookPlugin, type WebhookPluginOptions } from './webhook';
export { MAX_WAIT_SECONDS } from './codecs';
