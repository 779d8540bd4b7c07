import { calculateJwkThumbprint, type JWK } from 'jose';
import type { ClientRecord, SigningKeyRecord, Store } from '../../../src/store/types.js';
import { deriveKey, encrypt } from '../../../src/tokens/crypto.js';
import { hashPassword } from '../../../src/users.js';
import { createGrant } from '../../store/fixtures.js';

/**
 * Fixed data for the dashboard screenshots (docs/images/admin-*.png): fixed ids, fixed times, fixed
 * signing keys (test-only P-256 keys), so the images only change when the pages do.
 */
export const NOW = Date.UTC(2026, 10, 20, 10, 0);
const DAY = 86_400_000;
export const SCREENSHOT_SECRET = 'screenshot-secret-screenshot-secret-0123456789';
export const MCP = 'http://127.0.0.1:4100/mcp';
export const NOTES = 'https://notes.example.com/api';
export const PORTABLE = 'https://tool.example.com/oauth/client.json';
export const ADMIN_ID = 'usr_admin00000000000000000';

const KEYS: JWK[] = [
  {
    kty: 'EC',
    crv: 'P-256',
    x: 'wKQR9Yqyhrc3ArSAmBG_TObdVx2RwKdJpP8zSTYiy80',
    y: 'TAoghV8Xb9ca_W0IDNNgJ_RYb1jvjUwmPR0of7NR2mA',
    d: 'jbLewYePB34wT7DZDWO4CvLshFRDtQYp6TBcMw6DxlA',
  },
  {
    kty: 'EC',
    crv: 'P-256',
    x: 'ACGRmcTLFwobVob4n_8K_RYHQLJ6pboOUrjWupwZJnA',
    y: 'F7xU6OKYL0QXuQoWs0ltJOU-6oY4oa6QkjTBGkipvbE',
    d: 'Wj3P_aj9CfCiUh8iQleuVOiwEiBdY2xwIFUVhgIl13g',
  },
];

async function keyRecord(
  jwk: JWK,
  state: SigningKeyRecord['state'],
  createdAt: number,
): Promise<SigningKeyRecord> {
  const { d, ...publicJwk } = jwk;
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  return {
    kid,
    alg: 'ES256',
    state,
    publicJwk: JSON.stringify({ ...publicJwk, kid, alg: 'ES256', use: 'sig' }),
    privateJwkEncrypted: encrypt(deriveKey(SCREENSHOT_SECRET, 'signing-key-encryption'), JSON.stringify(jwk)),
    createdAt,
    retireAt: null,
    activateAt: null,
  };
}

function client(overrides: Partial<ClientRecord> & Pick<ClientRecord, 'client_id' | 'source'>): ClientRecord {
  return {
    client_name: null,
    redirect_uris: ['http://127.0.0.1/callback'],
    post_logout_redirect_uris: [],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    scope: null,
    resources: [],
    introspect: [],
    first_party: false,
    secretHash: null,
    metadata: {},
    createdAt: NOW - 3 * DAY,
    updatedAt: NOW - 3 * DAY,
    lastUsedAt: null,
    disabledAt: null,
    disabledReason: null,
    ...overrides,
  };
}

export async function seedScreenshotData(store: Store): Promise<void> {
  await store.ensureSigningKeys(
    await keyRecord(KEYS[0]!, 'active', NOW - 30 * DAY),
    await keyRecord(KEYS[1]!, 'next', NOW - 30 * DAY),
  );
  const users: [string, string, boolean][] = [
    [ADMIN_ID, 'root@example.com', true],
    ['usr_ada000000000000000000', 'ada@example.com', false],
    ['usr_grace0000000000000000', 'grace@example.com', false],
    ['usr_linus0000000000000000', 'linus@example.org', false],
  ];
  const passwordHash = await hashPassword('admin password 123');
  for (const [id, email, admin] of users) {
    await store.createUser({
      id,
      email,
      passwordHash,
      admin,
      emailVerified: true,
      createdAt: NOW - 40 * DAY,
      disabledAt: email.endsWith('.org') ? NOW - DAY : null,
    });
  }
  const dcr = [
    ['dcr_3kq9Zr1cLaUde', 'Claude Code', 1],
    ['dcr_8fXw2PpQm4Ti0', 'Cursor', 2],
    ['dcr_B7yLk0aN5sVh2', 'Codex CLI', 4],
    ['dcr_Q2mT9xRc1oEw7', 'VS Code', 6],
    ['dcr_Z5nH3bKv8uYd4', 'Sketchy Tool', 9],
  ] as const;
  for (const [id, name, daysAgo] of dcr) {
    await store.createClient(
      client({
        client_id: id,
        source: 'dcr',
        client_name: name,
        createdAt: NOW - daysAgo * DAY,
        lastUsedAt: NOW - DAY / 2,
        ...(name === 'Sketchy Tool' ? { disabledAt: NOW - DAY, disabledReason: 'phishing report #42' } : {}),
      }),
    );
  }
  const document = {
    client_id: PORTABLE,
    client_name: 'Portable Tool',
    redirect_uris: ['https://tool.example.com/cb'],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'none',
  };
  await store.createClient(
    client({
      client_id: PORTABLE,
      source: 'cimd',
      client_name: 'Portable Tool',
      redirect_uris: ['https://tool.example.com/cb'],
      application_type: 'web',
      createdAt: NOW - 5 * DAY,
      lastUsedAt: NOW - DAY,
      metadata: {
        cimd: {
          document,
          fetchedAt: NOW - 2 * DAY,
          expiresAt: NOW - 2 * DAY + 3_600_000,
          pinned: true,
          pending: {
            document: {
              ...document,
              redirect_uris: ['https://tool.example.com/cb', 'https://tool.example.com/cb3'],
            },
            fetchedAt: NOW - 3_600_000,
          },
        },
      },
    }),
  );
  await createGrant(store, {
    id: 'grt_ada_claude',
    userId: 'usr_ada000000000000000000',
    clientId: 'dcr_3kq9Zr1cLaUde',
    scope: 'todos.read todos.write',
    resource: MCP,
    sessionId: null,
    authTime: NOW - DAY,
    createdAt: NOW - DAY,
    revokedAt: null,
    revokedReason: null,
  });
  const events: [number, string, Record<string, unknown>, string | null][] = [];
  for (let d = 13; d >= 0; d--) {
    for (let i = 0; i < ((d * 7) % 5) + 1; i++)
      events.push([NOW - d * DAY - (i + 1) * 3_600_000, 'dcr.registered', {}, dcr[(d + i) % dcr.length]![0]]);
    if (d % 4 === 1)
      events.push([NOW - d * DAY - 30_000, 'cimd.fetch_failed', { reason: 'timeout' }, PORTABLE]);
  }
  events.push([
    NOW - DAY,
    'client.disabled',
    { reason: 'phishing report #42', grantsRevoked: 3 },
    'dcr_Z5nH3bKv8uYd4',
  ]);
  events.push([
    NOW - 3_600_000,
    'cimd.change_staged',
    { redirect_uris: ['https://tool.example.com/cb', 'https://tool.example.com/cb3'] },
    PORTABLE,
  ]);
  // Recorded oldest first, so ids and times agree as they do in a real log.
  for (const [at, type, detail, clientId] of events.sort((a, b) => a[0] - b[0])) {
    await store.recordAuditEvent(
      { type, clientId, actor: type === 'client.disabled' ? `user:${ADMIN_ID}` : null, detail },
      at,
    );
  }
}
