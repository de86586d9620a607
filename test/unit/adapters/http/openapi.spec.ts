import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROBLEM_CODES, routesOf } from '../../../../src/adapters/http/fastify';
import { createHarness, type Harness } from './fake-api';

/**
 * Keeps docs/openapi.yaml true: the routes it documents are exactly the routes the server answers,
 * and its ProblemCode enum is exactly the codes the server can send. No YAML parser is installed,
 * so this reads the few things it needs by indentation, which the document's layout guarantees
 * (paths at two spaces, methods at four, operation keys at six).
 */

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly isPublic: boolean;
  readonly statuses: readonly string[];
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

const documentedOperations = (yaml: string): Operation[] => {
  const operations: { method: string; path: string; isPublic: boolean; statuses: string[] }[] = [];
  let inPaths = false;
  let path: string | undefined;
  let inResponses = false;
  for (const line of yaml.split('\n')) {
    if (/^\S/.test(line)) {
      inPaths = line.trimEnd() === 'paths:';
      continue;
    }
    if (!inPaths) continue;
    const pathKey = /^ {2}(\/\S*):\s*$/.exec(line);
    if (pathKey?.[1] !== undefined) {
      path = pathKey[1];
      continue;
    }
    const methodKey = /^ {4}([a-z]+):\s*$/.exec(line);
    if (methodKey?.[1] !== undefined && METHODS.has(methodKey[1]) && path !== undefined) {
      operations.push({ method: methodKey[1].toUpperCase(), path, isPublic: false, statuses: [] });
      continue;
    }
    const current = operations[operations.length - 1];
    if (current === undefined) continue;
    if (/^ {6}security: \[\]\s*$/.test(line)) current.isPublic = true;
    if (/^ {6}\S/.test(line)) inResponses = /^ {6}responses:\s*$/.test(line);
    const status = /^ {8}'(\d{3})':/.exec(line);
    if (inResponses && status?.[1] !== undefined) current.statuses.push(status[1]);
  }
  return operations;
};

const problemCodeEnum = (yaml: string): string[] => {
  const lines = yaml.split('\n');
  const start = lines.findIndex((l) => /^ {4}ProblemCode:\s*$/.test(l));
  const codes: string[] = [];
  let inEnum = false;
  for (const line of lines.slice(start + 1)) {
    if (/^ {0,4}\S/.test(line)) break;
    if (/^ {6}enum:\s*$/.test(line)) inEnum = true;
    else if (inEnum) {
      const item = /^ {8}- (\S+)\s*$/.exec(line);
      if (item?.[1] === undefined) break;
      codes.push(item[1]);
    }
  }
  return codes;
};

/** `/v1/payments/:sub_mchid` → `/v1/payments/{sub_mchid}` */
const openApiPath = (fastifyUrl: string): string => fastifyUrl.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

const key = (method: string, path: string): string => `${method} ${path}`;

describe('docs/openapi.yaml', () => {
  const yaml = readFileSync(join(__dirname, '../../../../docs/openapi.yaml'), 'utf8');
  const documented = documentedOperations(yaml);
  let h: Harness;
  beforeAll(async () => {
    h = createHarness();
    await h.app.ready();
  });
  afterAll(() => h.app.close());

  it('documents every route the server has, and no other', () => {
    const served = routesOf(h.app).map((r) => key(r.method, openApiPath(r.url)));
    expect(served.length).toBeGreaterThan(10);
    expect(documented.map((o) => key(o.method, o.path)).sort()).toEqual([...served].sort());
  });

  it('marks exactly the routes outside /v1 as needing no token', () => {
    for (const op of documented)
      expect([op.path, op.isPublic]).toEqual([op.path, !op.path.startsWith('/v1/')]);
  });

  it('documents 401 for every /v1 operation and a success for every operation', () => {
    for (const op of documented) {
      expect([op.path, op.statuses.some((s) => s.startsWith('2'))]).toEqual([op.path, true]);
      if (op.path.startsWith('/v1/'))
        expect([op.path, op.statuses]).toEqual([op.path, expect.arrayContaining(['401'])]);
    }
  });

  it('lists exactly the problem codes the server can send', () => {
    expect(problemCodeEnum(yaml).sort()).toEqual([...PROBLEM_CODES].sort());
  });
});
