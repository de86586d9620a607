import * as E from 'fp-ts/Either';
import { loadConfig } from '../config';
import { type OpenStores, openStores } from '../stores';

/** Opens the configured stores for a command that works on the log directly (no service needed). */
export const withStores = async (
  name: string,
  work: (stores: OpenStores) => Promise<number>,
): Promise<number> => {
  const config = loadConfig(process.env);
  if (E.isLeft(config)) {
    process.stderr.write(
      `wpg ${name}: invalid configuration:\n${config.left.map((p) => `  - ${p}`).join('\n')}\n`,
    );
    return 2;
  }
  const stores = openStores(config.right.eventStore, config.right.dataDir);
  try {
    return await work(stores);
  } finally {
    await stores.close();
  }
};

export const wantsHelp = (argv: readonly string[]): boolean => argv.includes('--help') || argv.includes('-h');
