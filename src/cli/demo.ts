import { join, resolve } from 'node:path';
import { createTodoServer } from '../../examples/todo-mcp/index.js';
import { listen, listenFailure } from '../adapters/node.js';
import { createGatehouse } from '../gatehouse.js';
import { ensureAdministrator } from '../operations/users.js';
import {
  DEMO_DIR,
  DEMO_MCP_PORT,
  type DemoState,
  demoMcpUrl,
  demoOptions,
  demoState,
  saveDemoState,
} from './demo-config.js';
import { installShutdown } from './serve.js';

/**
 * `gatehouse demo` (npm start): Gatehouse and the Todo MCP server on loopback with SQLite under
 * .gatehouse/, a demo user who administers the demo, and the `compatibility` preset (a preregistered
 * client, CIMD and DCR). The configuration lives in demo-config.ts, which `--demo` commands share.
 */

export {
  DEMO_MCP_PORT,
  type DemoState,
  demoMcpUrl,
  demoOptions,
  TODO_CLI_REDIRECT_URIS,
} from './demo-config.js';

/** The command line of MCP Inspector's CLI that the banner prints (tests run it as printed). */
export function inspectorCliArgs(mcp: string): string[] {
  return ['--cli', mcp, '--transport', 'http', '--client-id', 'todo-cli', '--method', 'tools/list'];
}

/** A Cursor install deeplink for an HTTP MCP server (cursor.com/docs/mcp/install-links). */
function cursorDeeplink(name: string, url: string): string {
  const config = Buffer.from(JSON.stringify({ url })).toString('base64');
  return `cursor://anysphere.cursor-deeplink/mcp/install?name=${name}&config=${encodeURIComponent(config)}`;
}

/** What `gatehouse demo` prints once both servers listen: where things are and how to connect. */
export function demoBanner(issuer: string, mcp: string, state: DemoState): string[] {
  const vscode = JSON.stringify({ name: 'todo', type: 'http', url: mcp });
  return [
    `Gatehouse: ${issuer}`,
    `MCP server: ${mcp}`,
    `Demo user: ${state.email} password: ${state.password}`,
    `Dashboard: ${issuer}/admin (sign in as the demo user: an administrator of the demo)`,
    '',
    'Connect an MCP client to the MCP server URL; it discovers Gatehouse by itself:',
    `  MCP Inspector:  npx @modelcontextprotocol/inspector  (Streamable HTTP, URL ${mcp}, client ID todo-cli)`,
    `    web UI:       npx @modelcontextprotocol/inspector --transport http --server-url ${mcp}`,
    '                  (Connect: it registers itself by DCR; or enter client ID todo-cli,',
    '                  redirect http://localhost:6274/oauth/callback)',
    `    CLI:          npx @modelcontextprotocol/inspector ${inspectorCliArgs(mcp).join(' ')}`,
    '                  (the preregistered client todo-cli, redirect http://127.0.0.1:6276/oauth/callback;',
    '                  the Inspector needs Node >= 22.19)',
    `  Claude Code:    claude mcp add --transport http todo ${mcp}`,
    '                  (then /mcp in Claude Code to sign in; it registers itself: CIMD, else DCR)',
    `  Cursor:         add {"mcpServers":{"todo":{"url":"${mcp}"}}} to ~/.cursor/mcp.json, or open`,
    `                  ${cursorDeeplink('todo', mcp)}`,
    '                  (registers itself by DCR, redirect cursor://anysphere.cursor-mcp/oauth/callback)',
    `  VS Code:        code --add-mcp '${vscode}'`,
    '                  (registers itself by DCR, loopback or https://vscode.dev/redirect redirect)',
    '  Other clients:  use the URL; clients that need a client ID can use todo-cli (redirect',
    '                  http://127.0.0.1/callback or http://localhost/callback, any port), or',
    '                  register themselves (DCR) or present a client ID metadata document (CIMD).',
    '',
    "The CLI works on the demo's data with --demo, e.g.: node bin/gatehouse.js users list --demo",
    `Sign-up is open at ${issuer}/signup. Data lives in ${DEMO_DIR}/ (delete it to start over).`,
    'Press Ctrl-C to stop.',
  ];
}

export async function runDemo(opts: { port: number }): Promise<void> {
  const dir = resolve(DEMO_DIR);
  const state = await demoState(dir);
  if (state.port !== opts.port) await saveDemoState(dir, { ...state, port: opts.port });
  const gh = await createGatehouse(demoOptions(state, opts.port, dir));
  // Existing demo databases predate the demo user being an administrator: make them one.
  await ensureAdministrator(gh.context, state.email, 'demo');
  const listening = await listen(gh, { port: opts.port, host: '127.0.0.1' });
  const todo = await createTodoServer({
    issuer: gh.config.issuer,
    resource: demoMcpUrl(),
    databasePath: join(dir, 'todos.db'),
    port: DEMO_MCP_PORT,
    host: '127.0.0.1',
  }).catch((error: Error) => {
    throw listenFailure(error, "The demo's Todo MCP server", '127.0.0.1', DEMO_MCP_PORT);
  });
  installShutdown(gh, listening, () => todo.close());
  for (const line of demoBanner(gh.config.issuer, todo.url, state)) console.log(line);
}
