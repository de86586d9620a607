import * as E from 'fp-ts/Either';
import { auditTimeline, formatTimeline } from '../../application';
import { withStores, wantsHelp } from './offline';

const HELP = `wpg audit <sub_mchid> <out_trade_no> — print one payment's whole story

Every stream involved (the order, its refunds, the notifications about it) in global order, with
causation links and the recorded gateway answers. Reads the configured store (WPG_EVENT_STORE);
never calls WeChat. Add --json for machine-readable output.
`;

export const auditCommand = async (argv: readonly string[]): Promise<number> => {
  const args = argv.filter((a) => !a.startsWith('--'));
  if (wantsHelp(argv) || args.length !== 2) {
    process.stdout.write(HELP);
    return wantsHelp(argv) ? 0 : 2;
  }
  const [subMchid = '', outTradeNo = ''] = args;
  return withStores('audit', async ({ store }) => {
    const timeline = await auditTimeline(store, subMchid, outTradeNo)();
    if (E.isLeft(timeline)) {
      process.stderr.write(
        timeline.left._tag === 'PaymentNotFound'
          ? `no payment ${outTradeNo} for sub-merchant ${subMchid}\n`
          : `store unavailable: ${timeline.left.message}\n`,
      );
      return 1;
    }
    process.stdout.write(
      argv.includes('--json')
        ? `${JSON.stringify(timeline.right, null, 2)}\n`
        : `${formatTimeline(timeline.right)}\n`,
    );
    return 0;
  });
};
