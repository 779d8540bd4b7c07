/**
 * A SAML 2.0 identity provider people may sign in with (issue 16, DESIGN §4): its options, its schema
 * and its resolved form. `id`, `type`, `name` and `metadata_url` are the contract; `metadata_xml` (the
 * IdP's metadata inline) is the alternative to the URL. Self-contained so that the admin API's stored
 * connections validate with the very same schema (operations/connection-definitions.ts).
 * @see docs/sign-in.md "SAML"
 */
import { z } from 'zod';
import { displayNameProblem } from '../display-name.js';
import { connectionId, domain, operatorUrlProblem } from './upstream-fields.js';

/** The attributes read for the e-mail when the connection names none, in this order; then an e-mail NameID. */
export const DEFAULT_SAML_EMAIL_ATTRIBUTES = [
  'email',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
] as const;

export interface SamlConnectionOptions {
  /** Goes into URLs: `{issuer}/connections/{id}/saml/acs` is the ACS URL to register at the IdP. */
  id: string;
  type: 'saml';
  /** Shown on the button: "Continue with {name}". */
  name: string;
  /** Where the IdP publishes its metadata (fetched on first use, cached for an hour). One of this or `metadata_xml`. */
  metadata_url?: string;
  /** The IdP's metadata document itself. */
  metadata_xml?: string;
  /** Attributes holding the e-mail, first present wins. @default ["email", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"], then an emailAddress NameID */
  email_attributes?: string[];
  /** Only these e-mail domains may sign in through this connection. @default any */
  domains?: string[];
  /** Believe the IdP's e-mail: link to an existing user with it and mark it verified. @default false */
  trustEmailVerified?: boolean;
  /** Create a Gatehouse user on first sign-in (just in time). @default true */
  signup?: boolean;
  /** A disabled connection has no button and its endpoints refuse. @default true */
  enabled?: boolean;
  /** Development only: allow an http `metadata_url` on a loopback address. @default false */
  allowLoopback?: boolean;
  /** Tolerated clock difference with the IdP for NotBefore / NotOnOrAfter (seconds, at most 300). @default 60 */
  clockSkew?: number;
  /** How long a sign-in at the IdP may take, from the button to the ACS (seconds). @default 600 */
  stateTtl?: number;
  /** Sign-ins one client IP (an IPv6 /64) may start through this connection per `stateTtl`. @default 30 */
  maxStartsPerIp?: number;
}

export interface ResolvedSamlConnection {
  id: string;
  type: 'saml';
  name: string;
  metadataUrl: string | undefined;
  metadataXml: string | undefined;
  emailAttributes: string[];
  domains: string[];
  trustEmailVerified: boolean;
  signup: boolean;
  enabled: boolean;
  allowLoopback: boolean;
  clockSkewS: number;
  stateTtlMs: number;
  maxStartsPerIp: number;
}

/** https, or http on a loopback host with `allowLoopback`; no userinfo or fragment (a query is fine). */
export function metadataUrlProblem(value: string, allowLoopback: boolean): string | undefined {
  return operatorUrlProblem(value, allowLoopback, { query: true });
}

export const samlConnectionSchema = z
  .strictObject({
    id: connectionId,
    type: z.literal('saml'),
    name: z
      .string()
      .min(1)
      .max(80)
      .refine((n) => displayNameProblem(n) === undefined, 'must be a plain display name'),
    metadata_url: z.string().max(2000).optional(),
    metadata_xml: z.string().min(1).max(1_000_000).optional(),
    email_attributes: z.array(z.string().min(1).max(300)).min(1).max(10).optional(),
    domains: z.array(domain).max(1000).optional(),
    trustEmailVerified: z.boolean().optional(),
    signup: z.boolean().optional(),
    enabled: z.boolean().optional(),
    allowLoopback: z.boolean().optional(),
    clockSkew: z.number().int().min(0).max(300).optional(),
    stateTtl: z.number().int().min(60).max(3600).optional(),
    maxStartsPerIp: z.number().int().positive().optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.metadata_url === undefined) === (c.metadata_xml === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['metadata_url'],
        message: 'give exactly one of metadata_url and metadata_xml',
      });
    }
    const problem =
      c.metadata_url === undefined ? undefined : metadataUrlProblem(c.metadata_url, c.allowLoopback ?? false);
    if (problem) ctx.addIssue({ code: 'custom', path: ['metadata_url'], message: problem });
  });

/** The resolved connection in the configuration's own spelling (settings views; nothing secret in it). */
export function samlConnectionSettings(x: ResolvedSamlConnection): Record<string, unknown> {
  return {
    id: x.id,
    type: x.type,
    name: x.name,
    metadata_url: x.metadataUrl ?? null,
    metadata_xml: x.metadataXml ?? null,
    email_attributes: x.emailAttributes,
    domains: x.domains,
    trustEmailVerified: x.trustEmailVerified,
    signup: x.signup,
    enabled: x.enabled,
    allowLoopback: x.allowLoopback,
    clockSkew: x.clockSkewS,
    stateTtl: x.stateTtlMs / 1000,
    maxStartsPerIp: x.maxStartsPerIp,
  };
}

export function resolveSamlConnection(c: z.output<typeof samlConnectionSchema>): ResolvedSamlConnection {
  return {
    id: c.id,
    type: 'saml',
    name: c.name,
    metadataUrl: c.metadata_url,
    metadataXml: c.metadata_xml,
    emailAttributes: c.email_attributes ?? [...DEFAULT_SAML_EMAIL_ATTRIBUTES],
    domains: c.domains ?? [],
    trustEmailVerified: c.trustEmailVerified ?? false,
    signup: c.signup ?? true,
    enabled: c.enabled ?? true,
    allowLoopback: c.allowLoopback ?? false,
    clockSkewS: c.clockSkew ?? 60,
    stateTtlMs: (c.stateTtl ?? 600) * 1000,
    maxStartsPerIp: c.maxStartsPerIp ?? 30,
  };
}
