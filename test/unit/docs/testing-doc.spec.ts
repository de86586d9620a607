import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../support/processes';

/**
 * docs/testing.md's worked test is the text of test/integration/testing-kit.spec.ts, which runs in
 * `npm test`: the same code but for the imports, which name the package in the document and the
 * sources in the test, and the marker line the test keeps between the two.
 */
describe('the worked test of docs/testing.md', () => {
  it('is the test that runs', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'testing.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## A worked test'));
    const block = /```ts\n([^]*?)```/.exec(section)?.[1];
    expect(block).toBeDefined();
    expect(block).toContain("from 'wechatpay-global-core/testing'");
    const asRun = (block ?? '').replace(/'wechatpay-global-core(\/[a-z]+)?'/g, "'../../src$1'");
    const test = readFileSync(join(ROOT, 'test', 'integration', 'testing-kit.spec.ts'), 'utf8');
    expect(asRun).toBe(test.replace(/^\/\/ ---- the worked test in docs\/testing\.md starts here.*\n/m, ''));
  });
});
