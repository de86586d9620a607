/**
 * `npm run bench -- <name>` runs bench/<name>.ts; with no name, every benchmark in turn.
 * Each prints its figures and its ratios against a baseline measured in the same run.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const available = readdirSync(__dirname)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

const main = async (): Promise<void> => {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !available.includes(w));
  if (unknown.length > 0) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${available.join(', ')}`);
    process.exit(2);
  }
  for (const name of wanted.length > 0 ? wanted : available) {
    console.log(`\n## bench: ${name}\n`);
    const mod = (await import(join(__dirname, `${name}.ts`))) as { run: () => Promise<void> };
    await mod.run();
  }
};

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
