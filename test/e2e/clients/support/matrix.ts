/**
 * The client compatibility matrix: one row per MCP client and lane, the request shapes it is publicly
 * documented to send, and the test that replays them. docs/clients.md is generated from these rows,
 * and test/e2e/clients/matrix.test.ts checks that it matches, that every test named here exists with
 * that title and cites the row's sources in its header, and that every client test is listed.
 * Regenerate the document with: GATEHOUSE_WRITE_CLIENTS_TABLE=1 npx vitest run test/e2e/clients/matrix.test.ts
 */

export interface MatrixTest {
  /** Repository-relative path of the test file shown in the table. */
  file: string;
  /** A test title (or a distinctive part of it) that must appear in `titleFile ?? file`. */
  title: string;
  /** Where the title is written, when a shared scenario file holds it. */
  titleFile?: string;
}

export interface MatrixRow {
  client: string;
  lane: string;
  /** What the client sends (markdown). */
  sends: string;
  /** Public sources of those request shapes; each must be cited in the test file's header. */
  sources: string[];
  /** `supported`, or `not yet supported (issue 12): <reason>`. */
  status: string;
  /** The tests proving it; for a row not yet supported, the tests that will (not committed until green). */
  tests: MatrixTest[];
}

const dir = 'test/e2e/clients';

export const MATRIX: MatrixRow[] = [
  {
    client: 'Claude Code',
    lane: 'CIMD',
    sends:
      'Document with port-less loopback redirects (`http://localhost/callback`, `http://127.0.0.1/callback`), `none`; an ephemeral port at authorize; no `scope` anywhere',
    sources: ['anthropics/claude-code#41610', 'anthropics/claude-code#89862'],
    status: 'supported',
    tests: [
      {
        file: `${dir}/claude-code.test.ts`,
        title: "Claude Code's CIMD document with port-less loopback redirects",
      },
    ],
  },
  {
    client: 'Claude Code',
    lane: 'DCR',
    sends: 'Registration without `scope`; `offline_access` appended at authorize; refresh without `scope`',
    sources: ['anthropics/claude-code#89862', 'appstrate #1267'],
    status: 'supported',
    tests: [
      {
        file: `${dir}/claude-code.test.ts`,
        title: 'Claude Code registering without scope and appending offline_access',
      },
    ],
  },
  {
    client: 'claude.ai, Claude Desktop',
    lane: 'DCR',
    sends:
      'Redirects `https://claude.ai/api/mcp/auth_callback` and `https://claude.com/api/mcp/auth_callback`; `token_endpoint_auth_method: client_secret_post` (answered `none`); `prompt=consent`; no `scope`',
    sources: ['claude.com/docs/connectors/building/authentication', 'anthropics/claude-ai-mcp#1043'],
    status: 'supported',
    tests: [{ file: `${dir}/claude-ai.test.ts`, title: 'claude.ai registering for client_secret_post' }],
  },
  {
    client: 'claude.ai, Claude Desktop',
    lane: 'CIMD',
    sends:
      'Document `https://claude.ai/oauth/mcp-oauth-client-metadata` with the claude.ai/claude.com callbacks and `none`; used only when the metadata has `client_id_metadata_document_supported: true` and lists `none`',
    sources: ['claude.com/docs/connectors/building/authentication', 'openstatusHQ/openstatus#2733'],
    status: 'supported',
    tests: [
      {
        file: `${dir}/claude-ai.test.ts`,
        title: "claude.ai's CIMD document, used because the metadata offers CIMD with none",
      },
    ],
  },
  {
    client: 'ChatGPT',
    lane: 'CIMD, per app',
    sends:
      '`https://chatgpt.com/oauth/<id>/client.json`; `private_key_jwt`, `token_endpoint_auth_signing_alg: RS256`, `jwks_uri`; redirect `https://chatgpt.com/connector/oauth/<id>`; RFC 7523 client assertion at token and refresh',
    sources: [
      'Altinity/altinity-mcp#118',
      'cloudflare/workers-oauth-provider#293',
      'engram #1633/#1637',
      'django-oauth-toolkit #1845',
    ],
    status: 'supported',
    tests: [
      {
        file: `${dir}/chatgpt-cimd-per-app.test.ts`,
        title:
          "ChatGPT's per-app CIMD document with private_key_jwt and a jwks_uri completes sign-in, token and refresh",
      },
    ],
  },
  {
    client: 'ChatGPT',
    lane: 'CIMD, generic',
    sends:
      '`https://chatgpt.com/oauth/client.json`; `token_endpoint_auth_methods_supported: ["none", "private_key_jwt"]`; redirect `https://chatgpt.com/connector_platform_oauth_redirect`; `offline_access` without `prompt=consent`; a client assertion at token (a bad one refused; none presented: the document\'s `none` applies to a new authorization, not to refreshing a grant obtained with the key)',
    sources: ['cloudflare/workers-oauth-provider 0.10.2 changelog', 'logto-io/logto#9627'],
    status: 'supported',
    tests: [
      {
        file: `${dir}/chatgpt-cimd-generic.test.ts`,
        title: "ChatGPT's generic CIMD document listing none and private_key_jwt",
      },
    ],
  },
  {
    client: 'ChatGPT',
    lane: 'DCR',
    sends:
      "The resource's scopes plus `offline_access`, **without** `prompt=consent`; expects a refresh token",
    sources: ['logto-io/logto#9627'],
    status: 'supported',
    tests: [
      {
        file: `${dir}/chatgpt-dcr.test.ts`,
        title: 'ChatGPT registered by DCR and asking for offline_access without prompt=consent',
      },
    ],
  },
  {
    client: 'Cursor',
    lane: 'DCR',
    sends:
      '`redirect_uris` together: `cursor://anysphere.cursor-mcp/oauth/callback`, `https://www.cursor.com/agents/mcp/oauth/callback`, `http://localhost:8787/callback`; authorizes with `cursor://`',
    sources: ['soflyy/agent-connector-for-wp#111', 'erp-mafia/accounted#2225'],
    status: 'supported',
    tests: [
      {
        file: `${dir}/cursor.test.ts`,
        title: "Cursor's registration with cursor://, https and loopback redirect URIs together succeeds",
      },
    ],
  },
  {
    client: 'VS Code',
    lane: 'DCR',
    sends:
      '`https://vscode.dev/redirect`, `https://insiders.vscode.dev/redirect`, `http://127.0.0.1/`, `http://127.0.0.1:33418/`; a random loopback port at authorize when 33418 is busy',
    sources: ['microsoft/vscode#278512'],
    status: 'supported',
    tests: [
      {
        file: `${dir}/vscode.test.ts`,
        title: "VS Code's registration with vscode.dev and 127.0.0.1:33418 redirects",
      },
    ],
  },
  {
    client: 'GitHub Copilot CLI',
    lane: 'DCR',
    sends: 'Registration and authorization without `scope`',
    sources: ['dozigden/boardoil#11', 'sassoftware/sas-mcp-server#58'],
    status: 'supported',
    tests: [{ file: `${dir}/copilot-cli.test.ts`, title: 'Copilot CLI registering by DCR without scope' }],
  },
  {
    client: 'GitHub Copilot CLI',
    lane: 'CIMD',
    sends: 'Document with fixed loopback ports; a dynamic port at authorize',
    sources: ['github/copilot-cli#4901'],
    status: 'supported',
    tests: [
      { file: `${dir}/copilot-cli.test.ts`, title: "Copilot CLI's CIMD document with fixed loopback ports" },
    ],
  },
  {
    client: 'Codex',
    lane: 'DCR (any)',
    sends: 'Refresh requests without `resource` and without `scope`',
    sources: ['openai/codex#33403'],
    status: 'supported',
    tests: [
      { file: `${dir}/codex.test.ts`, title: "Codex's refresh without resource or scope keeps working" },
    ],
  },
  {
    client: 'Gemini CLI',
    lane: 'resource side, DCR',
    sends: "Compares the protected-resource metadata's `resource` with the configured URL byte for byte",
    sources: ['stripe/ai#341'],
    status: 'supported',
    tests: [
      {
        file: `${dir}/gemini-cli.test.ts`,
        title: "Gemini CLI finds the protected-resource metadata's resource byte-identical",
      },
    ],
  },
  {
    client: 'Goose',
    lane: 'CIMD',
    sends: 'CIMD only (no DCR fallback): a public client with loopback redirects',
    sources: ["Goose's issue #9670"],
    status: 'supported',
    tests: [{ file: `${dir}/goose.test.ts`, title: "Goose's CIMD-only client completes discovery" }],
  },
  {
    client: 'MCP Inspector 2.x (UI)',
    lane: 'DCR',
    sends:
      'Redirect `{origin}/oauth/callback` (`http://localhost:6274/oauth/callback`); token requests from that browser origin (CORS)',
    sources: ['MCP Inspector 2.12'],
    status: 'supported',
    tests: [
      {
        file: `${dir}/mcp-inspector.test.ts`,
        title: "MCP Inspector's UI registration with its {origin}/oauth/callback redirect",
      },
    ],
  },
  {
    client: 'MCP Inspector 2.12 (CLI)',
    lane: 'preregistered',
    sends: 'The real CLI, pinned: `http://127.0.0.1:6276/oauth/callback`, client ID `todo-cli`',
    sources: ['MCP Inspector 2.12'],
    status: 'supported',
    tests: [
      {
        file: 'test/e2e/mcp/inspector.test.ts',
        title: 'completes tools/call with the preregistered client todo-cli',
      },
    ],
  },
  {
    client: 'MCP TypeScript SDK v1 (`@modelcontextprotocol/sdk` 1.32)',
    lane: 'preregistered, CIMD',
    sends:
      'The real SDK: 401 → RFC 9728 → RFC 8414, PKCE, `resource`, refresh on expiry; an https client metadata URL',
    sources: ['@modelcontextprotocol/sdk'],
    status: 'supported',
    tests: [
      {
        file: 'test/e2e/mcp/sdk-v1.test.ts',
        title: 'preregistered client → sign-in and Allow in Chromium',
        titleFile: 'test/e2e/mcp/helpers/scenarios.ts',
      },
      {
        file: 'test/e2e/mcp/cimd.test.ts',
        title: 'discovery → CIMD document fetched by Gatehouse over HTTPS',
      },
    ],
  },
  {
    client: 'MCP TypeScript SDK v2 (`@modelcontextprotocol/client` 2.4)',
    lane: 'preregistered, CIMD',
    sends: 'The real SDK: as v1, and checks `iss` (RFC 9207) and the metadata issuer echo',
    sources: ['@modelcontextprotocol/client'],
    status: 'supported',
    tests: [
      {
        file: 'test/e2e/mcp/sdk-v2.test.ts',
        title: 'accepts Gatehouse metadata whose issuer echoes the discovery URL',
      },
      {
        file: 'test/e2e/mcp/cimd.test.ts',
        title: 'discovery → CIMD document fetched by Gatehouse over HTTPS',
      },
    ],
  },
];

/** The markdown table of docs/clients.md. */
export function renderMatrix(rows: readonly MatrixRow[] = MATRIX): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [
    '| Client | Lane | What it sends | Sources | Status | Test |',
    '|---|---|---|---|---|---|',
    ...rows
      .map((row) =>
        [
          row.client,
          row.lane,
          row.sends,
          row.sources.join('; '),
          row.status,
          row.status === 'supported'
            ? [...new Set(row.tests.map((t) => `[${t.file.split('/').pop()}](../${t.file})`))].join(', ')
            : '—',
        ]
          .map(cell)
          .join(' | '),
      )
      .map((line) => `| ${line} |`),
  ];
  return lines.join('\n');
}
