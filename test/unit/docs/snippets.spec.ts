import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../support/processes';

/**
 * Every ```ts snippet of README.md and docs/*.md compiles, as a platform would write it: against the
 * package's own entry points ('wechatpay-global-core' and its subpaths mapped to src/*.ts), strict,
 * and as CommonJS, so a top-level await fails as it would in a CommonJS app. A snippet that is a
 * fragment on purpose is fenced ```ts fragment and left out. Failures name the document and line.
 */
jest.setTimeout(180_000);

interface Snippet {
  readonly doc: string;
  /** Line of the first code line in the document (1-based). */
  readonly line: number;
  readonly code: string;
}

/** Fenced blocks whose info string is exactly `ts` or `typescript`, indented or not. */
export const snippetsOf = (doc: string, text: string): Snippet[] => {
  const lines = text.split('\n');
  const found: Snippet[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^(\s*)(`{3,})\s*(\S*)\s*(\S*)/.exec(lines[i] ?? '');
    if (!open) continue;
    const [, indent = '', fence = '', lang = '', qualifier = ''] = open;
    const end = lines.findIndex((l, j) => j > i && l.trim() === fence);
    const close = end === -1 ? lines.length : end;
    if ((lang === 'ts' || lang === 'typescript') && qualifier === '') {
      const body = lines.slice(i + 1, close).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l));
      found.push({ doc, line: i + 2, code: body.join('\n') });
    }
    i = close;
  }
  return found;
};

const documents = (): { name: string; text: string }[] => [
  { name: 'README.md', text: readFileSync(join(ROOT, 'README.md'), 'utf8') },
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => ({ name: `docs/${f}`, text: readFileSync(join(ROOT, 'docs', f), 'utf8') })),
];

/** A document written to fail, compiled in the same program: proves failures are found and placed. */
const BROKEN = [
  '# Broken',
  '',
  '```ts',
  "import { createPaymentCore } from 'wechatpay-global-core';",
  'const n: number = createPaymentCore;',
  '```',
  '',
  '```ts fragment',
  'this is not TypeScript',
  '```',
  '',
  '  ```ts',
  "  import { startTestSandbox } from 'wechatpay-global-core/testing';",
  '  await startTestSandbox();',
  '  ```',
  '',
].join('\n');

/** The example platform's sources: compiled in the same program, for feedback quicker than the e2e's. */
const EXAMPLE = join(ROOT, 'examples', 'platform', 'src');
const exampleFiles = (): string[] =>
  readdirSync(EXAMPLE)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(EXAMPLE, f));

/** Compiles all snippets in one program; returns `doc:line: message` per error. */
const compile = (snippets: readonly Snippet[]): string[] => {
  const dir = mkdtempSync(join(tmpdir(), 'wpg-snippets-'));
  try {
    const files = snippets.map((s, n) => {
      const file = join(dir, `snippet-${n}.ts`);
      // A snippet without imports or exports would be a script sharing one global scope with the others.
      writeFileSync(file, /^\s*(import|export)\s/m.test(s.code) ? s.code : `${s.code}\nexport {};\n`);
      return file;
    });
    const modules = join(ROOT, 'node_modules');
    mkdirSync(join(dir, 'out'));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          target: 'ES2022',
          module: 'commonjs',
          moduleResolution: 'node',
          lib: ['ES2022'],
          types: ['node', 'jest'],
          typeRoots: [join(modules, '@types')],
          esModuleInterop: true,
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
          skipLibCheck: true,
          noEmit: true,
          baseUrl: ROOT,
          paths: {
            'wechatpay-global-core': ['src/index.ts'],
            'wechatpay-global-core/*': ['src/*.ts'],
            '*': ['node_modules/*', 'node_modules/@types/*'],
          },
        },
        files: [...files, ...exampleFiles()],
      }),
    );
    const tsc = spawnSync(
      process.execPath,
      [join(modules, 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'],
      { encoding: 'utf8' },
    );
    const errors: string[] = [];
    for (const line of `${tsc.stdout}${tsc.stderr}`.split('\n')) {
      const m = /snippet-(\d+)\.ts\((\d+),(\d+)\): (error .*)$/.exec(line);
      const s = m ? snippets[Number(m[1])] : undefined;
      if (m && s) errors.push(`${s.doc}:${s.line + Number(m[2]) - 1}: ${m[4]}`);
      else if (/error/.test(line)) errors.push(line);
    }
    return errors;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

describe('the TypeScript snippets of the README and the docs', () => {
  const real = documents().flatMap((d) => snippetsOf(d.name, d.text));
  const broken = snippetsOf('broken.md', BROKEN);
  let errors: string[] = [];
  beforeAll(() => {
    errors = compile([...real, ...broken]);
  });

  it('are found, indented ones included, and fragments left out', () => {
    expect(broken.map((s) => s.line)).toEqual([4, 13]);
    expect(real.map((s) => s.doc)).toEqual(expect.arrayContaining(['README.md', 'docs/testing.md']));
  });

  it('all compile against the package entry points, and so do the sources of the example platform', () => {
    expect(exampleFiles().length).toBeGreaterThan(0);
    expect(errors.filter((e) => !e.startsWith('broken.md:'))).toEqual([]);
  });

  it('and a snippet that does not compile is reported with its document and line', () => {
    const mine = errors.filter((e) => e.startsWith('broken.md:'));
    expect(mine).toEqual([
      expect.stringMatching(/^broken\.md:5: error TS2322/),
      // Top-level await: the snippet must compile as CommonJS.
      expect.stringMatching(/^broken\.md:14: error TS1378/),
    ]);
  });
});
