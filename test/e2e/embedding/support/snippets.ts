import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from '../../../helpers/ci-tools.js';

/**
 * The embedding snippets of README.md and docs/*.md, as a reader copies them. A snippet is marked in
 * the Markdown by a comment, then a ```sh block whose `npm install …` line names every package to
 * install and whose last line starts it, then the ```js block to save as server.js:
 *
 *     <!-- snippet: name -->
 *     ```sh
 *     npm install gatehouse express
 *     GATEHOUSE_SECRET=… node server.js
 *     ```
 *
 *     ```js
 *     …
 *     ```
 */

export interface Snippet {
  name: string;
  /** Relative to the repository root, with the line of the marker. */
  where: string;
  /** What the `npm install` line names, in order (`gatehouse` included). */
  packages: string[];
  /** The last line of the sh block: how the reader starts it. */
  command: string;
  /** The ```js block, verbatim. */
  code: string;
}

export const SNIPPET_FILES = [
  join(ROOT, 'README.md'),
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => join(ROOT, 'docs', name)),
];

const MARKER = /<!-- snippet: ([^\s]+) -->/g;
const MARKED_BEFORE = /<!-- snippet: [a-z0-9-]+ -->\n```sh\n(?:(?!```)[\s\S])*\n```$/;
const SHAPE = /^<!-- snippet: ([a-z0-9-]+) -->\n```sh\n([\s\S]*?)\n```\n\n```js\n([\s\S]*?\n)```\n/;

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/** Every marked snippet of one Markdown text; a marker not followed by the expected blocks throws. */
export function extractSnippets(markdown: string, file: string): Snippet[] {
  const snippets: Snippet[] = [];
  for (const marker of markdown.matchAll(MARKER)) {
    const where = `${file}:${lineOf(markdown, marker.index)}`;
    const match = SHAPE.exec(markdown.slice(marker.index));
    if (!match)
      throw new Error(`${where}: a snippet marker must be followed by a \`\`\`sh and a \`\`\`js block`);
    const [, name, sh, code] = match as unknown as [string, string, string, string];
    const lines = sh.split('\n').filter((line) => line.trim() !== '');
    const install = lines.find((line) => line.startsWith('npm install '));
    if (!install) throw new Error(`${where}: the sh block of snippet ${name} has no \`npm install\` line`);
    const packages = install
      .replace(/#.*$/, '')
      .split(/\s+/)
      .slice(2)
      .filter((word) => word !== '' && !word.startsWith('-'));
    snippets.push({ name, where, packages, command: lines.at(-1)!, code });
  }
  return snippets;
}

/** Fenced JavaScript/TypeScript blocks that import Gatehouse but carry no snippet marker. */
export function unmarkedEmbeddings(markdown: string, file: string): string[] {
  const found: string[] = [];
  for (const block of markdown.matchAll(/```(?:js|ts|javascript|typescript)\n([\s\S]*?)```/g)) {
    if (!/from '(gatehouse)(\/[^']*)?'/.test(block[1]!)) continue;
    const before = markdown.slice(0, block.index).trimEnd();
    // A marked snippet's code block follows its sh block, which follows the marker.
    if (!MARKED_BEFORE.test(before)) found.push(`${file}:${lineOf(markdown, block.index)}`);
  }
  return found;
}

/** Every snippet of README.md and docs/*.md. */
export function allSnippets(): Snippet[] {
  return SNIPPET_FILES.flatMap((file) => extractSnippets(readFileSync(file, 'utf8'), relative(ROOT, file)));
}
