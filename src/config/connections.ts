/**
 * Upstream identity connections (issue 16, DESIGN §4): their options, their schema and their resolved
 * form. `id`, `type`, `name`, `issuer`, `client_id`, `client_secret` and `domains` are the contract;
 * the rest is Gatehouse's own (docs/sign-in.md, docs/configuration.md).
 */
import { z } from 'zod';
import { displayNameProblem } from '../display-name.js';
import { SCOPE_TOKEN } from '../scope-token.js';
import {
  type ResolvedSamlConnection,
  type SamlConnectionOptions,
  samlConnectionSchema,
} from './saml-connection.js';
import { connectionId, domain, operatorUrlProblem } from './upstream-fields.js';

export type { ResolvedSamlConnection, SamlConnectionOptions } from './saml-connection.js';

export type ConnectionAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/** An upstream OpenID provider people may sign in with ("Continue with {name}"). @see docs/sign-in.md */
export interface OidcConnectionOptions {
  /** Goes into URLs: `{issuer}/connections/{id}/callback` is the redirect URI to register upstream. */
  id: string;
  type: 'oidc';
  /** Shown on the button: "Continue with {name}". */
  name: string;
  /** The provider's issuer identifier (discovery: `{issuer}/.well-known/openid-configuration`). */
  issuer: string;
  client_id: string;
  /** For client_secret_basic (the default when set) and client_secret_post. */
  client_secret?: string;
  /** @default "client_secret_basic", or "private_key_jwt" when `private_key` is set */
  token_endpoint_auth_method?: ConnectionAuthMethod;
  /** A private JWK (RSA or EC) for private_key_jwt; its public half is registered at the provider. */
  private_key?: Record<string, unknown>;
  /** @default ["openid", "email", "profile"] */
  scopes?: string[];
  /**
   * Which ID token claims hold the e-mail, its verification and the name (the name is not stored yet:
   * users have no display name). @default email, email_verified, name
   */
  claims?: { email?: string; email_verified?: string; name?: string };
  /** Only these e-mail domains may sign in through this connection. @default any */
  domains?: string[];
  /**
   * Believe the provider's `email_verified: true`: link to an existing user with that e-mail and mark
   * it verified. Only for providers that verify addresses (Google). @default false
   */
  trustEmailVerified?: boolean;
  /** Create a Gatehouse user on first sign-in (just in time). @default true */
  signup?: boolean;
  /** A disabled connection has no button and its callback refuses. @default true */
  enabled?: boolean;
  /** Development only: allow an http issuer on a loopback address. @default false */
  allowLoopback?: boolean;
  /** Tolerated clock difference with the provider when checking the ID token (seconds). @default 30 */
  clockTolerance?: number;
  /** Oldest `iat` of an ID token accepted (seconds). @default 600 */
  maxIdTokenAge?: number;
  /** How long a sign-in at the provider may take, from the button to the callback (seconds). @default 600 */
  stateTtl?: number;
  /** Sign-ins one client IP (an IPv6 /64) may start through this connection per `stateTtl`. @default 30 */
  maxStartsPerIp?: number;
}

export type ConnectionOptions = OidcConnectionOptions | SamlConnectionOptions;

/** Any configured connection: an upstream OpenID provider or a SAML identity provider. */
export type ResolvedConnection = ResolvedOidcConnection | ResolvedSamlConnection;

export interface ResolvedOidcConnection {
  id: string;
  type: 'oidc';
  name: string;
  issuer: string;
  clientId: string;
  clientSecret: string | undefined;
  authMethod: ConnectionAuthMethod;
  privateKey: Record<string, unknown> | undefined;
  scopes: string[];
  claims: { email: string; emailVerified: string; name: string };
  domains: string[];
  trustEmailVerified: boolean;
  signup: boolean;
  enabled: boolean;
  allowLoopback: boolean;
  clockToleranceS: number;
  maxIdTokenAgeS: number;
  stateTtlMs: number;
  maxStartsPerIp: number;
}

/** An OpenID provider's issuer identifier (no query). */
export function connectionIssuerProblem(value: string, allowLoopback: boolean): string | undefined {
  return operatorUrlProblem(value, allowLoopback);
}

const claimName = z.string().min(1).max(100);

export const oidcConnectionSchema = z
  .strictObject({
    id: connectionId,
    type: z.literal('oidc'),
    name: z
      .string()
      .min(1)
      .max(80)
      .refine((n) => displayNameProblem(n) === undefined, 'must be a plain display name'),
    issuer: z.string().max(2000),
    client_id: z.string().min(1).max(500),
    client_secret: z.string().min(1).max(2000).optional(),
    token_endpoint_auth_method: z
      .enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt'])
      .optional(),
    private_key: z.looseObject({ kty: z.enum(['RSA', 'EC', 'OKP']), d: z.string() }).optional(),
    scopes: z.array(z.string().regex(SCOPE_TOKEN)).max(50).optional(),
    claims: z
      .strictObject({
        email: claimName.optional(),
        email_verified: claimName.optional(),
        name: claimName.optional(),
      })
      .optional(),
    domains: z.array(domain).max(1000).optional(),
    trustEmailVerified: z.boolean().optional(),
    signup: z.boolean().optional(),
    enabled: z.boolean().optional(),
    allowLoopback: z.boolean().optional(),
    clockTolerance: z.number().int().min(0).max(300).optional(),
    maxIdTokenAge: z.number().int().min(60).max(86_400).optional(),
    stateTtl: z.number().int().min(60).max(3600).optional(),
    maxStartsPerIp: z.number().int().positive().optional(),
  })
  .superRefine((c, ctx) => {
    const problem = connectionIssuerProblem(c.issuer, c.allowLoopback ?? false);
    if (problem) ctx.addIssue({ code: 'custom', path: ['issuer'], message: problem });
    const method =
      c.token_endpoint_auth_method ?? (c.private_key ? 'private_key_jwt' : 'client_secret_basic');
    if (method === 'private_key_jwt' && !c.private_key)
      ctx.addIssue({ code: 'custom', path: ['private_key'], message: 'is required for private_key_jwt' });
    if (method !== 'private_key_jwt' && !c.client_secret)
      ctx.addIssue({ code: 'custom', path: ['client_secret'], message: `is required for ${method}` });
    if (c.scopes && !c.scopes.includes('openid'))
      ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'must include "openid"' });
  });

/** One `connections[]` entry, told apart by `type`. */
export const connectionSchema = z.discriminatedUnion('type', [oidcConnectionSchema, samlConnectionSchema]);

export const connectionsSchema = z
  .array(connectionSchema)
  .max(100)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((c, i) => {
      if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate "${c.id}"` });
      seen.add(c.id);
    });
  })
  .optional();
