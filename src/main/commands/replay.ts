import * as E from 'fp-ts/Either';
import { formatReplayReport, isReplayClean, verifyReplay } from '../../application';
import { withStores, wantsHelp } from './offline';

const HELP = `wpg replay --verify — re-fold every stream and check it

Checks that every transition is legal, that the money invariant holds on every order, and that every
recorded saga decision equals what the decider computes from its recorded inputs. Never calls WeChat.
Exits 0 when clean, 1 with a readable report on any difference.
`;

export const replayCommand = async (argv: readonly string[]): Promise<number> => {
  if (wantsHelp(argv) || !argv.includes('--verify')) {
    process.stdout.write(HELP);
    return wantsHelp(argv) ? 0 : 2;
  }
  return withStores('replay', async ({ store }) => {
    const report = await verifyReplay(store)();
    if (E.isLeft(report)) {
      process.stderr.write(`store unavailable: ${report.left.message}\n`);
      return 1;
    }
    process.stdout.write(`${formatReplayReport(report.right)}\n`);
    return isReplayClean(report.right) ? 0 : 1;
  });
};
