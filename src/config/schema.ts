/**
 * One declarative schema of every option, so that each rule fails at start-up naming its field; larger
 * groups have their own file (lane-schema.ts, server.ts, connections.ts, enterprise.ts, …).
 */
import { z } from 'zod';
import { brandingConfigSchema } from '../branding/schema.js';
import { displayNameProblem, sanitiseDisplayName } from '../display-name.js';
import { FIELD_LIMITS } from '../http/limits.js';
import { clientIdProblem } from '../lanes/client-id.js';
import { jwksProblem, signingAlgProblem } from '../lanes/client-keys.js';
import { checkRedirectUri } from '../lanes/redirect-uri.js';
import { isScopeString, SCOPE_TOKEN } from '../scope-token.js';
import { accountSchemaFields, mailerSchema } from './accounts.js';
import { defaultAuthMethod, defaultGrantTypes } from './client-defaults.js';
import { connectionsSchema } from './connections.js';
import { dpopSchema } from './dpop.js';
import { enterpriseSchema } from './enterprise.js';
import { headlessSchema } from './headless.js';
import { cimdSchema, dcrSchema } from './lane-schema.js';
import { organizationsSchema } from './organizations.js';
import { serverSchema } from './server.js';
import { tokenExchangeSchema } from './token-exchange.js';

/** A count or a number of seconds: a whole number above zero (zod schemas are immutable, so one serves all). */
const positiveInt = z.number().int().positive().optional();

/**
 * The configuration schema. Every rule here fails at start-up with a message naming the field, so a
 * running server never meets an impossible configuration.
 */

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

const issuer = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be an absolute URL' });
    return;
  }
  // RFC 8414 §2: https, no query, no fragment. http is accepted on loopback for development.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    ctx.addIssue({ code: 'custom', message: 'must use https (http is allowed only on loopback)' });
  }
  if (url.search || value.includes('?')) ctx.addIssue({ code: 'custom', message: 'must not have a query' });
  if (url.hash || value.includes('#')) ctx.addIssue({ code: 'custom', message: 'must not have a fragment' });
  if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not contain userinfo' });
  if (value.endsWith('/')) ctx.addIssue({ code: 'custom', message: 'must not end with "/"' });
  if (!value.startsWith(url.protocol))
    ctx.addIssue({ code: 'custom', message: 'must use a lower-case scheme' });
});

const scopeToken = z.string().regex(SCOPE_TOKEN, 'must be a scope token (RFC 6749 §3.3)');
const scopeString = z.string().refine(isScopeString, 'must be space-separated scope tokens');

const resourceUri = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be an absolute URI (RFC 8707 §2)' });
    return;
  }
  if (value.includes('#'))
    ctx.addIssue({ code: 'custom', message: 'must not contain a fragment (RFC 8707 §2)' });
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    ctx.addIssue({ code: 'custom', message: 'must use https (http is allowed only on loopback)' });
  }
});

const redirectUri = (allowCustomSchemes: boolean) =>
  z.string().superRefine((value, ctx) => {
    const problem = checkRedirectUri(value, { allowCustomSchemes });
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** A name shown to people: see display-name.ts for what is refused and what is stripped. */
const displayName = z
  .string()
  .max(200)
  .superRefine((name, ctx) => {
    const problem = displayNameProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
    else if (sanitiseDisplayName(name) === '')
      ctx.addIssue({ code: 'custom', message: 'must contain visible characters' });
  });

const grantType = z.enum([
  'authorization_code',
  'refresh_token',
  'client_credentials',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'urn:ietf:params:oauth:grant-type:token-exchange',
]);
const authMethod = z.enum(['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt']);

/** A public JWK Set (RFC 7517 §5) for private_key_jwt: see lanes/client-keys.ts for the rules. */
const jwks = z.unknown().superRefine((value, ctx) => {
  const problem = jwksProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** An operator-configured jwks_uri (DESIGN.md §4: may be private); https unless loopback. */
const jwksUri = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be an absolute URL' });
    return;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname)))
    ctx.addIssue({ code: 'custom', message: 'must use https (http is allowed only on loopback)' });
  if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not contain userinfo' });
});

export const resourceSchema = z.strictObject({
  resource: resourceUri,
  name: displayName.optional(),
  scopes: z.array(scopeToken).optional(),
  default_scopes: z.array(scopeToken).optional(),
  scope_descriptions: z.record(scopeToken, displayName).optional(),
  lanes: z
    .strictObject({
      preregistered: z.boolean().optional(),
      cimd: z.boolean().optional(),
      dcr: z.boolean().optional(),
    })
    .optional(),
});

/**
 * Grants only an authenticated client may use: client_credentials (OAuth 2.1 §4.2), token exchange
 * (DESIGN §4; src/grants/token-exchange.ts) and the ID-JAG jwt-bearer grant (MCP enterprise-managed
 * authorization §5).
 */
const CONFIDENTIAL_GRANTS = [
  ['client_credentials', 'client_credentials'],
  ['urn:ietf:params:oauth:grant-type:token-exchange', 'token exchange'],
  ['urn:ietf:params:oauth:grant-type:jwt-bearer', 'jwt-bearer'],
] as const;

export const clientSchema = z
  .strictObject({
    client_id: z.string().superRefine((id, ctx) => {
      const problem = clientIdProblem(id);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    client_name: displayName.optional(),
    client_secret: z
      .string()
      .min(32, 'must be at least 32 characters')
      .max(
        FIELD_LIMITS.client_secret.max,
        'must be at most 512 characters (the token endpoint accepts no more)',
      )
      .optional(),
    token_endpoint_auth_method: authMethod.optional(),
    jwks: jwks.optional(),
    jwks_uri: jwksUri.optional(),
    token_endpoint_auth_signing_alg: z
      .string()
      .superRefine((alg, ctx) => {
        const problem = signingAlgProblem(alg);
        if (problem) ctx.addIssue({ code: 'custom', message: problem.replace(/^\S+ /, '') });
      })
      .optional(),
    grant_types: z.array(grantType).min(1).optional(),
    redirect_uris: z.array(redirectUri(true)).optional(),
    post_logout_redirect_uris: z.array(redirectUri(true)).optional(),
    application_type: z.enum(['web', 'native']).optional(),
    scope: scopeString.optional(),
    resources: z.array(resourceUri).optional(),
    introspect: z.array(z.string()).optional(),
    first_party: z.boolean().optional(),
    dpop_bound_access_tokens: z.boolean().optional(),
  })
  .superRefine((client, ctx) => {
    const method = client.token_endpoint_auth_method ?? defaultAuthMethod(client);
    const grants = client.grant_types ?? defaultGrantTypes(client.redirect_uris);
    if (grants.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['grant_types'],
        message: 'is required when there are no redirect_uris',
      });
    }
    if (method === 'none' && client.client_secret) {
      ctx.addIssue({
        code: 'custom',
        path: ['client_secret'],
        message: 'must not be set for a public client',
      });
    }
    const hasKeys = client.jwks !== undefined || client.jwks_uri !== undefined;
    if (method === 'private_key_jwt') {
      // RFC 7591 §2: jwks and jwks_uri MUST NOT both be present; RFC 7523 §2.2 needs one of them.
      if (client.jwks !== undefined && client.jwks_uri !== undefined)
        ctx.addIssue({ code: 'custom', path: ['jwks_uri'], message: 'must not be set together with jwks' });
      if (!hasKeys)
        ctx.addIssue({
          code: 'custom',
          path: ['jwks'],
          message: 'jwks or jwks_uri is required with private_key_jwt',
        });
      if (client.client_secret)
        ctx.addIssue({
          code: 'custom',
          path: ['client_secret'],
          message: 'must not be set with private_key_jwt',
        });
    } else {
      if (hasKeys)
        ctx.addIssue({
          code: 'custom',
          path: [client.jwks !== undefined ? 'jwks' : 'jwks_uri'],
          message: 'is only used with token_endpoint_auth_method "private_key_jwt"',
        });
      if (method !== 'none' && !client.client_secret)
        ctx.addIssue({ code: 'custom', path: ['client_secret'], message: `is required with ${method}` });
    }
    if (grants.includes('authorization_code') && !client.redirect_uris?.length) {
      // OAuth 2.1 §2.3.1: complete redirect URIs must be registered.
      ctx.addIssue({
        code: 'custom',
        path: ['redirect_uris'],
        message: 'is required for authorization_code',
      });
    }
    for (const [grant, name] of CONFIDENTIAL_GRANTS)
      if (grants.includes(grant) && method === 'none')
        ctx.addIssue({
          code: 'custom',
          path: ['grant_types'],
          message: `${name} needs a client_secret or private_key_jwt`,
        });
    if (client.application_type === 'native' && client.client_secret) {
      // RFC 8252 §8.4: native apps are public clients.
      ctx.addIssue({ code: 'custom', path: ['client_secret'], message: 'must not be set for a native app' });
    }
  });

export const optionsSchema = z.strictObject({
  issuer,
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  server: serverSchema.optional(),
  database: z
    .string()
    .regex(
      /^(sqlite:|postgres:\/\/|postgresql:\/\/)/,
      'must start with sqlite:, postgres:// or postgresql://',
    )
    .optional(),
  // The message names both ways to give it: the option, and the CLI's environment variable.
  secret: z
    .string({
      error:
        'is required: a random string of at least 32 characters (option "secret"; the CLI also reads GATEHOUSE_SECRET), e.g. from `openssl rand -base64 32`',
    })
    .min(32, 'must be at least 32 characters (e.g. `openssl rand -base64 32`)'),
  signup: z.boolean().optional(),
  compatibility: z.boolean().optional(),
  resources: z.array(resourceSchema).optional(),
  defaultResource: resourceUri.optional(),
  clients: z.array(clientSchema).optional(),
  connections: connectionsSchema,
  organizations: organizationsSchema,
  branding: brandingConfigSchema,
  headless: headlessSchema,
  enterprise: enterpriseSchema,
  tokenExchange: tokenExchangeSchema,
  users: z
    .array(
      z.strictObject({
        email: z.email(),
        password: z.string().min(8),
        admin: z.boolean().optional(),
        email_verified: z.boolean().optional(),
      }),
    )
    .optional(),
  cimd: cimdSchema,
  dcr: dcrSchema,
  tokens: z
    .strictObject({
      accessTokenTtl: z.number().int().min(30).max(86400).optional(),
      refreshTokenIdleTtl: z.number().int().min(60).optional(),
      refreshTokenGracePeriod: z.number().int().min(0).max(86_400).optional(),
      refreshTokenAbsoluteTtl: z.number().int().min(60).optional(),
      authorizationCodeTtl: z.number().int().min(10).max(600).optional(),
      signingKeyGracePeriod: z.number().int().min(0).max(86_400).optional(),
    })
    .optional(),
  sessions: z
    .strictObject({
      ttl: z.number().int().min(60).optional(),
      interactionTtl: z.number().int().min(60).max(86_400).optional(),
    })
    .optional(),
  loginThrottle: z
    .strictObject({
      maxFailuresPerAccountNetwork: positiveInt,
      maxFailuresPerIp: positiveInt,
      accountSlowdownAfter: positiveInt,
      accountSlowdownMs: z.number().int().min(0).max(10_000).optional(),
      maxFailuresPerAccount: positiveInt,
      maxAttemptsPerIp: positiveInt,
      windowSeconds: positiveInt,
    })
    .optional(),
  signingAlgorithm: z.enum(['ES256', 'RS256', 'EdDSA']).optional(),
  dpop: dpopSchema,
  maxCredentialFailuresPerMinute: positiveInt,
  clientCacheTtl: z.number().min(0).max(300).optional(),
  resourceCacheTtl: z.number().min(0).max(300).optional(),
  signingKeyCacheTtl: z.number().min(0).max(3600).optional(),
  jwksMaxAge: z.number().int().min(0).max(86_400).optional(),
  signingKeyClockSkew: z.number().min(0).max(300).optional(),
  housekeepingInterval: z.number().int().min(10).max(86_400).optional(),
  databaseRetryAfter: z.number().int().min(1).max(3600).optional(),
  readinessTimeout: z.number().min(0.1).max(60).optional(),
  databaseConnectTimeout: z.number().min(0.1).max(300).optional(),
  signupThrottle: z
    .strictObject({
      maxSignupsPerIp: positiveInt,
      windowSeconds: z.number().int().positive().max(86_400).optional(),
    })
    .optional(),
  trustedProxies: z.array(z.string()).optional(),
  logger: z.any().optional(),
  // "console" (development: one JSON line per mail on stdout), an SMTP URL or a function (accounts.ts).
  mailer: mailerSchema,
  ...accountSchemaFields,
  passwordReset: z
    .strictObject({
      ttl: z.number().int().min(60).max(86400).optional(),
      maxRequestsPerIp: positiveInt,
      maxRequestsPerAccount: positiveInt,
      windowSeconds: z.number().int().positive().max(86_400).optional(),
    })
    .optional(),
  audit: z
    .strictObject({
      retentionDays: z.number().positive().optional(),
      maxEvents: z.number().int().min(0).optional(),
      floodWindowSeconds: z.number().int().min(1).max(86_400).optional(),
      individualPerNetwork: z.number().int().min(0).optional(),
      individualPerType: z.number().int().min(0).optional(),
    })
    .optional(),
  rejectionThrottle: z
    .strictObject({
      maxRejections: positiveInt,
      windowSeconds: z.number().int().positive().max(86_400).optional(),
    })
    .optional(),
  clock: z.any().optional(),
  migrate: z.boolean().optional(),
});

/** Turns zod issues into one line per problem, each naming the field: `clients[1].redirect_uris[0]: …`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path
        .map((part, i) =>
          typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`,
        )
        .join('');
      return `${path || '(root)'}: ${issue.message}`;
    })
    .join('; ');
}
