import * as E from 'fp-ts/Either';
import { loadConfig, type ServiceConfig } from '../config';
import { StartRefusedError, startService, type ApiTokenSource, type RunningService } from '../service';

export const START_HELP = `wpg start — run the service: merchant API, webhook, sagas and projections

Usage: wpg start [--help]

Configured by WPG_* environment variables (or WPG_CONFIG_FILE); see the README's configuration table.
With no merchant credentials it runs the built-in sandbox in-process and an SQLite store under ./data.
Stops gracefully on SIGINT/SIGTERM: in-flight appends finish; timers resume on the next start.
`;

/**
 * A first request a newcomer can paste: an immediate-success Quick Pay payment in the sandbox. The
 * token is never written out: `tokenExpression` is shell text that yields it (a variable, a file).
 */
export const firstCurl = (url: string, tokenExpression: string): string =>
  [
    `curl -s -X POST '${url}/v1/payments?wait=10' \\`,
    `  -H "Authorization: Bearer ${tokenExpression}" -H 'Content-Type: application/json' \\`,
    `  -d '{"sub_mchid":"1900000109","out_trade_no":"demo-${Date.now()}","auth_code":"130000${String(Date.now()).slice(-12)}",` +
      `"amount":{"total":1234,"currency":"HKD"},"description":"Demo Coffee - latte"}'`,
  ].join('\n');

const shellQuote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

/**
 * Where the token is, and shell text that reads it, for the banner. A token from configuration is
 * never printed (it is a secret the operator already holds); nor is a generated one: its file is named.
 */
export const tokenWhereabouts = (source: ApiTokenSource): { where: string; expression: string } => {
  switch (source.kind) {
    case 'env':
      return { where: 'from WPG_API_TOKEN (not shown)', expression: '$WPG_API_TOKEN' };
    case 'config-file':
      return {
        where: `from WPG_API_TOKEN in ${source.path} (not shown)`,
        expression: '<WPG_API_TOKEN from your config file>',
      };
    case 'data-dir':
      return {
        where: `${source.generated ? 'generated and ' : ''}kept in ${source.path} (mode 600; not shown)`,
        expression: `$(cat ${shellQuote(source.path)})`,
      };
  }
};

/** The lines printed once the service is up. */
export const banner = (config: ServiceConfig, service: RunningService): string[] => {
  const token = tokenWhereabouts(service.apiTokenSource);
  return [
    '',
    `wechatpay-global-core is running`,
    `  merchant API   ${service.url}/v1`,
    `  webhook        ${service.url}/notifications/wechatpay`,
    `  health         ${service.url}/healthz  ${service.url}/readyz  ${service.url}/metrics`,
    `  event store    ${config.eventStore.kind === 'sqlite' ? config.eventStore.path : config.eventStore.kind}`,
    `  instance       ${config.instanceId}`,
    ...(service.sandbox
      ? [`  sandbox        ${service.sandbox.baseUrl} (credentials: ${service.sandbox.credentialsFile})`]
      : []),
    `  API token      ${token.where}`,
    '',
    'Try a payment:',
    firstCurl(service.url, token.expression),
    '',
  ];
};

export const startCommand = async (argv: readonly string[]): Promise<number> => {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(START_HELP);
    return 0;
  }
  const config = loadConfig(process.env);
  if (E.isLeft(config)) {
    process.stderr.write(
      `wpg start: invalid configuration:\n${config.left.map((p) => `  - ${p}`).join('\n')}\n`,
    );
    return 2;
  }
  let service: RunningService;
  try {
    service = await startService(config.right);
  } catch (error) {
    // A second service on one SQLite log, or a lease too short: a configuration to fix (exit 2).
    if (!(error instanceof StartRefusedError)) throw error;
    process.stderr.write(`wpg start: ${error.message}\n`);
    return 2;
  }
  const lines = banner(config.right, service);
  process.stdout.write(`${lines.join('\n')}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await service.stop();
  return 0;
};
