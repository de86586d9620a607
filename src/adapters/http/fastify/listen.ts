import type { FastifyInstance } from 'fastify';

export interface ListeningServer {
  /** `http://host:port`, with the port actually bound (useful with port 0). */
  readonly url: string;
  readonly port: number;
  /**
   * Stops accepting connections and waits for requests in flight to finish, so appends already
   * started complete before the process exits (graceful shutdown, issue 7 §4).
   */
  readonly close: () => Promise<void>;
}

export const listenHttpServer = async (
  app: FastifyInstance,
  options: { readonly port: number; readonly host?: string },
): Promise<ListeningServer> => {
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${shownHost}:${port}`, port, close: () => app.close() };
};
