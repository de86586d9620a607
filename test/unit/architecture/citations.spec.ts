import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Code, tests and docs cite the protocol reference as "reference §n" or "§n". The reference is
 * docs/reference.md, inside the repository, so a user's clone can follow every citation: each cited
 * number must be one of its `## n.` / `### n.m` headings. A "§" that another document qualifies
 * ("issue 6 §3", "RFC 5280 §4.1.2.5", "event-stores.md §2") cites that document instead.
 */
const ROOT = join(__dirname, '..', '..', '..');
const REFERENCE = 'docs/reference.md';
const SCANNED = ['src', 'test', 'docs', 'bench', 'README.md'];
const TEXT_FILE = /\.(ts|js|cjs|mjs|md|ya?ml|json)$/;
const NOT_SOURCES = new Set(['node_modules', 'dist', 'coverage']);

type Citation = { readonly where: string; readonly section: string };

const CITATION = /§\s?(\d+(?:\.\d+)*)/g;
/** What immediately before a "§" makes it a citation of some other document. */
const OTHER_DOCUMENT = /(?:\b(?:issue|RFC)\s*\d+|([\w./-]+\.md))\s*$/i;

/** The section numbers of the reference's headings: `## 7. Flows` → 7, `### 7.1 Quick Pay` → 7.1. */
const headingSections = (markdown: string): readonly string[] =>
  markdown
    .split('\n')
    .map((line) => /^#{2,3} (\d+(?:\.\d+)*)\.?\s/.exec(line)?.[1])
    .filter((n): n is string => n !== undefined);

/** Citations of the reference in one file's text, with their line numbers. */
const referenceCitations = (file: string, text: string): readonly Citation[] =>
  text.split('\n').flatMap((line, i) =>
    [...line.matchAll(CITATION)]
      .filter((m) => {
        const other = OTHER_DOCUMENT.exec(line.slice(0, m.index));
        return other === null || (other[1] !== undefined && other[1].endsWith('reference.md'));
      })
      .map((m) => ({ where: `${file}:${i + 1}`, section: m[1] as string })),
  );

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string): string =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

const filesUnder = (path: string): readonly string[] => {
  const absolute = join(ROOT, path);
  if (!statSync(absolute).isDirectory()) return [path];
  return readdirSync(absolute)
    .filter((name) => !NOT_SOURCES.has(name))
    .flatMap((name) => filesUnder(join(path, name)));
};

const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** Every scanned text file but this one, whose examples below cite a missing section on purpose. */
const scannedFiles = (): readonly string[] =>
  SCANNED.flatMap(filesUnder).filter((file) => TEXT_FILE.test(file) && file !== relative(ROOT, __filename));

describe('§ citations resolve to docs/reference.md', () => {
  const reference = read(REFERENCE);
  const sections = new Set(headingSections(reference));
  const citations = scannedFiles().flatMap((file) => referenceCitations(file, read(file)));

  it('every cited section is a heading of the reference', () => {
    const missing = citations.filter((c) => !sections.has(c.section)).map((c) => `${c.where} §${c.section}`);
    expect(missing).toEqual([]);
    // The scan itself works: the code does cite the reference, in many places.
    expect(citations.length).toBeGreaterThan(100);
  });

  it('each section number is a heading once, so a citation has one meaning', () => {
    const all = headingSections(reference);
    expect(all.filter((n, i) => all.indexOf(n) !== i)).toEqual([]);
  });

  it("the reference's table of contents links to its own headings", () => {
    const anchors = new Set(
      reference
        .split('\n')
        .map((line) => /^#{2,3} (.+)$/.exec(line)?.[1])
        .filter((h): h is string => h !== undefined)
        .map(slug),
    );
    const links = [...reference.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1] as string);
    expect(links.length).toBeGreaterThan(20);
    expect(links.filter((a) => !anchors.has(a))).toEqual([]);
  });

  it('nothing points readers to a reference document outside the repository', () => {
    const outside = scannedFiles().filter((file) => read(file).includes('wechatpay-global.md'));
    expect(outside).toEqual([]);
  });

  describe('the check itself', () => {
    const headings = ['## 1. Hosts', '### 5.5 Submit refund', '## 12. Open questions'].join('\n');

    it('reads section numbers from level-2 and level-3 headings only', () => {
      expect(headingSections(`${headings}\n# 9. Title\n#### 5.5.1 Deeper\n`)).toEqual(['1', '5.5', '12']);
    });

    it('finds bare, "reference" and ranged citations, and reports a section the reference lacks', () => {
      const text = '// reference §5.5 and §12.10\n/** §1–§5.5, docs/reference.md §14 */';
      const cited = referenceCitations('a.ts', text);
      expect(cited.map((c) => c.section)).toEqual(['5.5', '12.10', '1', '5.5', '14']);
      const known = new Set(headingSections(headings));
      expect(cited.filter((c) => !known.has(c.section))).toEqual([
        { where: 'a.ts:1', section: '12.10' },
        { where: 'a.ts:2', section: '14' },
      ]);
    });

    it('leaves citations of other documents alone', () => {
      const text = 'issue 7 §4, Issue 4 §8, RFC 5280 §4.1.2.5, event-stores.md §2';
      expect(referenceCitations('b.md', text)).toEqual([]);
    });
  });
});
