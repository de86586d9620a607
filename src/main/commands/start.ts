import * as E from 'fp-ts/Either';
import { loadConfig } from '../config';
import { startService } from '../service';

export const START_HELP = `wpg start — run the service: merchant API, webhook, sagas and projections

Usage: wpg start [--help]

Configured by WPG_* environment variables (or WPG_CONFIG_FILE); see the README's configuration table.
With no merchant credentials it runs the built-in sandbox in-process and an SQLite store under ./data.
Stops gracefully on SIGINT/SIGTERM: in-flight appends finish; timers resume on the next start.
`;

/** A first request a newcomer can paste: an immediate-success Quick Pay payment in the sandbox. */
export const firstCurl = (url: string, token: string): string =>
  [
    `curl -s -X POST '${url}/v1/payments?wait=10' \\`,
    `  -H 'Authorization: Bearer ${token}' -H 'Content-Type: application/json' \\`,
    `  -d '{"sub_mchid":"1900000109","out_trade_no":"demo-${Date.now()}","auth_code":"130000${String(Date.now()).slice(-12)}",` +
      `"amount":{"total":1234,"currency":"HKD"},"description":"Demo Coffee - latte"}'`,
  ].join('\n');

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
  const service = await startService(config.right);
  const lines = [
    '',
    `wechatpay-global-core is running`,
    `  merchant API   ${service.url}/v1`,
    `  webhook        ${service.url}/notifications/wechatpay`,
    `  health         ${service.url}/healthz  ${service.url}/readyz  ${service.url}/metrics`,
    `  event store    ${config.right.eventStore.kind === 'sqlite' ? config.right.eventStore.path : config.right.eventStore.kind}`,
    ...(service.sandbox
      ? [`  sandbox        ${service.sandbox.baseUrl} (credentials: ${service.sandbox.credentialsFile})`]
      : []),
    `  API token      ${service.apiToken}`,
    '',
    'Try a payment:',
    firstCurl(service.url, service.apiToken),
    '',
  ];
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
