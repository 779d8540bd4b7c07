import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The allowed imports between the layers of src/, as docs/architecture.md draws them: the table between
 * `<!-- layers:start -->` and `<!-- layers:end -->` is the rule, and this test checks every relative
 * import of every source file against it, so the document cannot drift from the code and the layering
 * cannot decay (issue 13).
 */
const ROOT = join(import.meta.dirname, '..', '..');
const SRC = join(ROOT, 'src');

interface Rule {
  values: Set<string>;
  /** Layers whose types (and only types) may be imported: `name (types)` in the table. */
  types: Set<string>;
}

function parseLayerTable(markdown: string): Map<string, Rule> {
  const start = markdown.indexOf('<!-- layers:start -->');
  const end = markdown.indexOf('<!-- layers:end -->');
  if (start < 0 || end < start) throw new Error('docs/architecture.md has no layers table');
  const rules = new Map<string, Rule>();
  for (const line of markdown.slice(start, end).split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    if (cells.length < 4 || !cells[1]!.startsWith('`')) continue;
    const rule: Rule = { values: new Set(), types: new Set() };
    for (const item of cells[2]!.matchAll(/`([^`]+)`( \(types\))?/g)) {
      (item[2] ? rule.types : rule.values).add(item[1]!);
    }
    rules.set(cells[1]!.replaceAll('`', ''), rule);
  }
  return rules;
}

/** `admin/api/clients.ts` → `admin/api`; `endpoints/token.ts` → `endpoints`; `router.ts` → `router`. */
function layerOf(path: string): string {
  const parts = path.replace(/\.ts$/, '').split('/');
  if (parts[0] === 'admin' && parts.length > 1) return `admin/${parts[1]}`;
  return parts[0]!;
}

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
  where: string;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const from = relative(SRC, file);
  const found: Import[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+'(\.[^']+)'/gms)) {
    const target = relative(SRC, normalize(join(dirname(file), m[2]!))).replace(/\.js$/, '.ts');
    // package.json (the CLI's --version) is outside the layers.
    if (target.startsWith('..')) continue;
    // `import { type A, type B }` is type-only too.
    const braces = /\{([^}]*)\}/.exec(m[0])?.[1];
    const allTypes =
      braces !== undefined &&
      braces
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .every((s) => s.startsWith('type '));
    found.push({
      from: layerOf(from),
      to: layerOf(target),
      typeOnly: Boolean(m[1]) || allTypes,
      where: from,
    });
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function violations(imports: Import[], rules: Map<string, Rule>): string[] {
  const out: string[] = [];
  for (const i of imports) {
    if (i.from === i.to) continue;
    const rule = rules.get(i.from);
    if (!rule) {
      out.push(`${i.where}: layer ${i.from} is not in the table`);
      continue;
    }
    const allowed = rule.values.has(i.to) || (i.typeOnly && rule.types.has(i.to));
    if (!allowed) out.push(`${i.where}: ${i.from} may not import ${i.typeOnly ? 'types of ' : ''}${i.to}`);
  }
  return [...new Set(out)];
}

describe('layers (docs/architecture.md)', () => {
  const rules = parseLayerTable(readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8'));
  const files = sourceFiles(SRC);
  const imports = files.flatMap(importsOf);

  it('the table names every layer of src/', () => {
    const layers = new Set(files.map((f) => layerOf(relative(SRC, f))));
    expect([...layers].filter((l) => !rules.has(l)).sort()).toEqual([]);
    expect([...rules.keys()].filter((l) => !layers.has(l)).sort()).toEqual([]);
  });

  it('every import between layers is one the table allows', () => {
    expect(violations(imports, rules)).toEqual([]);
  });

  it('the core never imports admin/, and grants/ never imports endpoints/ or interaction/', () => {
    const composition = new Set([
      'router',
      'gatehouse',
      'index',
      'cli',
      'adapters',
      'admin/api',
      'admin/dashboard',
    ]);
    const bad = imports.filter(
      (i) =>
        (i.to.startsWith('admin') && !composition.has(i.from)) ||
        (i.from === 'grants' && (i.to === 'endpoints' || i.to === 'interaction')),
    );
    expect(bad.map((i) => `${i.where} → ${i.to}`)).toEqual([]);
  });

  it('admin/, the CLI and pages never import the store (they go through operations/)', () => {
    const bad = imports.filter(
      (i) => ['admin/api', 'admin/dashboard', 'cli', 'pages'].includes(i.from) && i.to === 'store',
    );
    expect(bad.map((i) => `${i.where} → store`)).toEqual([]);
  });

  it('the check can fail: an import the table does not allow is reported', () => {
    const table = '<!-- layers:start -->\n| `a` | `b`, `c` (types) |\n<!-- layers:end -->';
    const parsed = parseLayerTable(`| layer | may import |\n${table}`);
    const found = violations(
      [
        { from: 'a', to: 'b', typeOnly: false, where: 'a/x.ts' },
        { from: 'a', to: 'c', typeOnly: true, where: 'a/y.ts' },
        { from: 'a', to: 'c', typeOnly: false, where: 'a/z.ts' },
        { from: 'a', to: 'd', typeOnly: true, where: 'a/w.ts' },
      ],
      parsed,
    );
    expect(found).toEqual(['a/z.ts: a may not import c', 'a/w.ts: a may not import types of d']);
  });
});
