import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Issue 13: no source file over 400 lines and no function over 80 lines, unless the file's header
 * comment says why (a line starting "Why this is long:"). A long function hides the ordered checks
 * that the endpoints are meant to be; this keeps the rule from decaying.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 80;
const EXCUSE = /^\s*\*?\s*Why this is long:/m;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The comments before the first statement of the file, and the doc comment of the long function. */
function excused(source: ts.SourceFile, node?: ts.Node): boolean {
  const text = source.getFullText();
  const header = ts.getLeadingCommentRanges(text, 0) ?? [];
  const first = source.statements[0];
  const firstComments = first ? (ts.getLeadingCommentRanges(text, first.getFullStart()) ?? []) : [];
  const own = node ? (ts.getLeadingCommentRanges(text, outermost(node).getFullStart()) ?? []) : [];
  return [...header, ...firstComments, ...own].some((c) => EXCUSE.test(text.slice(c.pos, c.end)));
}

/** A function's doc comment sits on its declaration: `export const x = () => …` or a method. */
function outermost(node: ts.Node): ts.Node {
  let current = node;
  while (
    current.parent &&
    (ts.isVariableDeclaration(current.parent) ||
      ts.isVariableDeclarationList(current.parent) ||
      ts.isVariableStatement(current.parent))
  ) {
    current = current.parent;
  }
  return current;
}

function longFunctions(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > MAX_FUNCTION_LINES && !excused(source, node)) {
        const name = (node as { name?: ts.Node }).name?.getText(source) ?? '(anonymous)';
        found.push(`${relative(ROOT, path)}:${start + 1} ${name} is ${lines} lines`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('code shape (issue 13)', () => {
  const files = sourceFiles(join(ROOT, 'src'));

  it('finds the source tree', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it(`no source file is over ${MAX_FILE_LINES} lines unless its header says why`, () => {
    const long = files.filter((path) => {
      const text = readFileSync(path, 'utf8');
      if (text.split('\n').length <= MAX_FILE_LINES) return false;
      return !excused(ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true));
    });
    expect(long.map((path) => relative(ROOT, path))).toEqual([]);
  });

  it(`no function is over ${MAX_FUNCTION_LINES} lines unless a comment says why`, () => {
    expect(files.flatMap(longFunctions)).toEqual([]);
  });

  it('the rule can fail: a long function without an excuse is reported', () => {
    const body = Array.from({ length: 90 }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const text = `export function long(): void {\n${body}\n}\n`;
    const source = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, true);
    expect(excused(source, source.statements[0])).toBe(false);
    const excusedText = `/**\n * Why this is long: a table.\n */\n${text}`;
    const excusedSource = ts.createSourceFile('y.ts', excusedText, ts.ScriptTarget.Latest, true);
    expect(excused(excusedSource, excusedSource.statements[0])).toBe(true);
  });
});
