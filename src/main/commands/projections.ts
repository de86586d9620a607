import * as E from 'fp-ts/Either';
import { allProjections, rebuildProjections } from '../../application';
import { noMetrics } from '../../ports';
import { createPinoLogger } from '../../adapters/pino';
import { withStores, wantsHelp } from './offline';

const HELP = `wpg projections rebuild — rebuild every read model from the log

Drops the read models and their checkpoints and replays the whole log into them. Stop the service
first: a running projection would keep writing behind the rebuild.
`;

export const projectionsCommand = async (argv: readonly string[]): Promise<number> => {
  if (wantsHelp(argv) || argv[0] !== 'rebuild') {
    process.stdout.write(HELP);
    return wantsHelp(argv) ? 0 : 2;
  }
  return withStores('projections', async ({ store, readModels }) => {
    const logger = createPinoLogger({ level: 'warn' });
    const report = await rebuildProjections(
      { store, readModels, logger, metrics: noMetrics },
      allProjections,
    )();
    if (E.isLeft(report)) {
      process.stderr.write(`rebuild failed: ${JSON.stringify(report.left)}\n`);
      return 1;
    }
    process.stdout.write(
      `rebuilt ${allProjections.map((p) => p.name).join(', ')} from ${report.right.events} events (checkpoint ${report.right.position})\n`,
    );
    return 0;
  });
};
