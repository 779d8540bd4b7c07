import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The libraries only SMTP mail, SAML and upstream OIDC sign-ins need are loaded on first use (issue 18:
 * together they cost about 10 MB of resident memory at idle, and most deployments use none of them).
 * Only the loader modules may import them; everywhere else a static import (or a require) would load
 * them when Gatehouse starts. `import type` is erased, so it is allowed; `import { type A }` is not,
 * because verbatimModuleSyntax keeps it as an import of the module.
 */
const LAZY: Record<string, string[]> = {
  'connections/libraries.ts': [
    'openid-client',
    'oauth4webapi',
    '@node-saml/node-saml',
    'xml-crypto',
    '@xmldom/xmldom',
    'xml2js',
  ],
  'mail/libraries.ts': ['nodemailer'],
};
const LIBRARIES = Object.values(LAZY).flat();

const SRC = join(import.meta.dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function isLazy(specifier: string): boolean {
  return LIBRARIES.some((lib) => specifier === lib || specifier.startsWith(`${lib}/`));
}

/** The specifiers of every import or re-export that loads a module (type-only ones are erased). */
function loadingImports(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?[^;'"]*?\bfrom\s+['"]([^'"]+)['"]/gm)) {
    if (!m[1]) found.push(m[2]!);
  }
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) found.push(m[1]!);
  for (const m of text.matchAll(/(?<!typeof\s+)\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g))
    found.push(m[1]!);
  return found;
}

describe('lazily loaded libraries (issue 18)', () => {
  const files = sourceFiles(SRC).map((path) => ({
    path: relative(SRC, path),
    text: readFileSync(path, 'utf8'),
  }));

  it('no module but the loaders imports them', () => {
    const offenders = files
      .filter((f) => !(f.path in LAZY))
      .flatMap((f) =>
        loadingImports(f.text)
          .filter(isLazy)
          .map((lib) => `${f.path}: ${lib}`),
      );
    expect(offenders).toEqual([]);
  });

  it('the loaders import them only on demand', () => {
    for (const [path, libraries] of Object.entries(LAZY)) {
      const text = files.find((f) => f.path === path)?.text ?? '';
      const statics = [
        ...text.matchAll(/^\s*(?:import|export)\s+(?!type\s)[^;]*?\bfrom\s+['"]([^'"]+)['"]/gm),
      ];
      expect(statics.map((m) => m[1]).filter((s) => isLazy(s!))).toEqual([]);
      const loaded = libraries.filter((lib) => text.includes(`('${lib}')`));
      expect(loaded.length, path).toBeGreaterThan(0);
    }
  });

  it('the check sees static imports, re-exports and requires, and lets type-only imports through', () => {
    const sample = [
      "import * as oidc from 'openid-client';",
      "import { type Transporter } from 'nodemailer';",
      "export { SAML } from '@node-saml/node-saml';",
      "import 'xml-crypto';",
      "const x = require('xml2js');",
      "type T = typeof import('openid-client');",
      "import type { Configuration } from 'openid-client';",
      "export type { Profile } from '@node-saml/node-saml';",
    ].join('\n');
    expect(loadingImports(sample).filter(isLazy)).toEqual([
      'openid-client',
      'nodemailer',
      '@node-saml/node-saml',
      'xml-crypto',
      'xml2js',
    ]);
  });
});
