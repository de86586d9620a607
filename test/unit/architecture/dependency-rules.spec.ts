import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * The hexagon's import rules (.dependency-cruiser.cjs, run by `npm run lint`) must fire: each
 * forbidden import below, planted in a throwaway tree laid out like src/, is reported by name.
 */
const ROOT = join(__dirname, '..', '..', '..');
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');

const cruise = (files: Readonly<Record<string, string>>): { status: number | null; output: string } => {
  const dir = mkdtempSync(join(tmpdir(), 'wpg-deps-'));
  try {
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'commonjs', strict: true } }),
    );
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const r = spawnSync(DEPCRUISE, ['src', '--config', CONFIG, '--output-type', 'err'], {
      cwd: dir,
      encoding: 'utf8',
    });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const base = {
  'src/domain/money.ts': 'export const zero = 0;\n',
  'src/ports/clock.ts': "import { zero } from '../domain/money';\nexport const origin = zero;\n",
  'src/adapters/sqlite/store.ts':
    "import { origin } from '../../ports/clock';\nexport const store = origin;\n",
  'src/adapters/wechatpay/client.ts':
    "import { zero } from '../../domain/money';\nexport const client = zero;\n",
  'src/application/saga.ts': "import { origin } from '../ports/clock';\nexport const saga = origin;\n",
  'src/main/root.ts':
    "import { store } from '../adapters/sqlite/store';\nimport { saga } from '../application/saga';\nexport const root = [store, saga];\n",
};

describe('dependency rules', () => {
  jest.setTimeout(60_000);

  it('a tree that follows the rules passes', () => {
    expect(cruise(base)).toMatchObject({ status: 0 });
  });

  it.each([
    [
      'domain-is-pure',
      'src/domain/leak.ts',
      "import { origin } from '../ports/clock';\nexport const x = origin;\n",
    ],
    [
      'domain-is-pure',
      'src/domain/io.ts',
      "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n",
    ],
    [
      'application-imports-domain-and-ports',
      'src/application/leak.ts',
      "import { store } from '../adapters/sqlite/store';\nexport const x = store;\n",
    ],
    [
      'adapters-do-not-import-other-adapters',
      'src/adapters/sqlite/leak.ts',
      "import { client } from '../wechatpay/client';\nexport const x = client;\n",
    ],
    [
      'adapters-do-not-reach-application-or-main',
      'src/adapters/sqlite/up.ts',
      "import { saga } from '../../application/saga';\nexport const x = saga;\n",
    ],
    [
      'ports-import-only-domain',
      'src/ports/leak.ts',
      "import { saga } from '../application/saga';\nexport const x = saga;\n",
    ],
  ])('%s fires on %s', (rule, path, text) => {
    const r = cruise({ ...base, [path]: text });
    expect(r.status).not.toBe(0);
    expect(r.output).toContain(rule);
  });
});
