/**
 * The hexagon's dependency rule, enforced in CI (`npm run lint`):
 * domain imports nothing of ours; application imports domain and ports; ports import domain;
 * adapters import ports and domain (never each other's technology); only src/main knows adapters.
 */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment:
        'The domain imports nothing of ours outside src/domain, and no Node built-ins or packages but fp-ts and io-ts.',
      from: { path: '^src/domain/' },
      to: { pathNot: ['^src/domain/', '^node_modules/(fp-ts|io-ts)/'] },
    },
    {
      name: 'ports-import-only-domain',
      severity: 'error',
      from: { path: '^src/ports/' },
      to: { pathNot: ['^src/domain/', '^src/ports/', '^node_modules/(fp-ts|io-ts)/'] },
    },
    {
      name: 'application-imports-domain-and-ports',
      severity: 'error',
      comment: 'Hashing (node:crypto) is allowed: deterministic event ids are not I/O.',
      from: { path: '^src/application/' },
      to: {
        pathNot: ['^src/(domain|ports|application)/', '^node_modules/(fp-ts|io-ts)/', '^(node:)?crypto$'],
      },
    },
    {
      name: 'adapters-do-not-reach-application-or-main',
      severity: 'error',
      from: { path: '^src/adapters/' },
      to: { path: '^src/(application|main)/' },
    },
    {
      name: 'adapters-do-not-import-other-adapters',
      severity: 'error',
      from: { path: '^src/adapters/([^/]+)/' },
      to: { path: '^src/adapters/', pathNot: ['^src/adapters/$1/', '^src/adapters/shared/'] },
    },
    {
      name: 'only-main-knows-adapters',
      severity: 'error',
      comment: "The package's entry points (src/*.ts) re-export adapters; nothing else but main does.",
      from: { pathNot: ['^src/(main|adapters)/', '^src/[^/]+\\.ts$', '^test/', '^bench/'] },
      to: { path: '^src/adapters/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
