/**
 * Enterprise-managed authorization (issue 17, DESIGN §4 "Enterprise flows"): the enterprise identity
 * providers whose ID-JAGs (draft-ietf-oauth-identity-assertion-authz-grant) Gatehouse accepts at the
 * token endpoint. `idps[].issuer`, `jwks_uri` | `jwks` and `subject` are the contract; the rest is
 * Gatehouse's own (docs/enterprise.md, docs/configuration.md).
 */
import type { JSONWebKeySet } from 'jose';
import { z } from 'zod';
import { jwksProblem, signingAlgProblem } from '../lanes/client-keys.js';
import { connectionIssuerProblem } from './connections.js';

/** A trusted enterprise IdP. @see docs/enterprise.md */
export interface EnterpriseIdpOptions {
  /** The IdP's issuer identifier: an ID-JAG's `iss` must equal it exactly. */
  issuer: string;
  /**
   * Where the IdP publishes its signing keys. The operator vouches for it, so it may be a private or
   * loopback address (an internal IdP); https unless on a loopback host.
   */
  jwks_uri?: string;
  /** Or the IdP's public keys inline (RFC 7517 JWK Set). */
  jwks?: { keys: Record<string, unknown>[] };
  /**
   * How an ID-JAG's subject maps to a Gatehouse user: "sub" (a linked identity keyed by this issuer and
   * `sub`) or "email" (the existing user whose verified e-mail is the ID-JAG's `email` claim).
   */
  subject: 'email' | 'sub';
  /** Shown in the admin API and dashboard. @default the issuer */
  name?: string;
  /** Create a Gatehouse user on first use (just in time) from the `email` claim. @default false */
  signup?: boolean;
  /** Accepted signature algorithms (asymmetric only). @default every asymmetric algorithm */
  algorithms?: string[];
  /** Longest accepted ID-JAG lifetime, `exp` − now and `exp` − `iat` (seconds). @default 300 */
  maxLifetime?: number;
  /** Tolerated clock difference with the IdP on `exp` and `iat` (seconds). @default 60 */
  clockTolerance?: number;
}

export interface EnterpriseOptions {
  /** @default [] */
  idps?: EnterpriseIdpOptions[];
  /** ID-JAG token requests one client may make per minute. @default 60 */
  maxGrantsPerClient?: number;
  /** ID-JAG token requests naming one IdP (its `iss`) per minute, all clients together. @default 600 */
  maxGrantsPerIdp?: number;
}

export interface ResolvedEnterpriseIdp {
  issuer: string;
  name: string;
  jwksUri: string | undefined;
  jwks: JSONWebKeySet | undefined;
  subject: 'email' | 'sub';
  signup: boolean;
  /** Undefined: every asymmetric algorithm (tokens/id-jag.ts). */
  algorithms: string[] | undefined;
  maxLifetimeS: number;
  clockToleranceS: number;
}

export interface ResolvedEnterprise {
  idps: readonly ResolvedEnterpriseIdp[];
  maxGrantsPerClient: number;
  maxGrantsPerIdp: number;
}

const algorithm = z.string().superRefine((alg, ctx) => {
  // The same asymmetric allow-list as client assertions (never none, never HS*).
  if (signingAlgProblem(alg))
    ctx.addIssue({ code: 'custom', message: `${alg} is not an accepted algorithm` });
});

const url = (field: string) =>
  z
    .string()
    .max(2000)
    .superRefine((value, ctx) => {
      const problem = connectionIssuerProblem(value, true);
      if (problem) ctx.addIssue({ code: 'custom', message: `${field} ${problem}` });
    });

/**
 * One trusted IdP: the schema of `enterprise.idps[]` in the configuration and of an IdP stored through
 * the admin API, dashboard or CLI (operations/enterprise-idps.ts). One rule, one place.
 */
export const idpSchema = z
  .strictObject({
    issuer: url('issuer'),
    jwks_uri: url('jwks_uri').optional(),
    jwks: z
      .unknown()
      .superRefine((value, ctx) => {
        const problem = jwksProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    subject: z.enum(['email', 'sub']),
    name: z.string().min(1).max(80).optional(),
    signup: z.boolean().optional(),
    algorithms: z.array(algorithm).min(1).optional(),
    maxLifetime: z.number().int().min(10).max(3600).optional(),
    clockTolerance: z.number().int().min(0).max(300).optional(),
  })
  .superRefine((idp, ctx) => {
    if ((idp.jwks_uri === undefined) === (idp.jwks === undefined))
      ctx.addIssue({ code: 'custom', path: ['jwks_uri'], message: 'give exactly one of jwks_uri and jwks' });
  });

export const enterpriseSchema = z
  .strictObject({
    idps: z.array(idpSchema).max(50).optional(),
    maxGrantsPerClient: z.number().int().min(1).optional(),
    maxGrantsPerIdp: z.number().int().min(1).optional(),
  })
  .superRefine((e, ctx) => {
    const seen = new Set<string>();
    for (const [i, idp] of (e.idps ?? []).entries()) {
      if (seen.has(idp.issuer))
        ctx.addIssue({ code: 'custom', path: ['idps', i, 'issuer'], message: 'is listed twice' });
      seen.add(idp.issuer);
    }
  })
  .optional();

export function resolveEnterprise(o: { enterprise?: z.output<typeof enterpriseSchema> }): ResolvedEnterprise {
  const e = o.enterprise ?? {};
  return {
    idps: (e.idps ?? []).map(resolveIdp),
    maxGrantsPerClient: e.maxGrantsPerClient ?? 60,
    maxGrantsPerIdp: e.maxGrantsPerIdp ?? 600,
  };
}

/** One IdP entry, checked by `idpSchema`, with its defaults filled in. */
export function resolveIdp(idp: z.output<typeof idpSchema>): ResolvedEnterpriseIdp {
  return {
    issuer: idp.issuer,
    name: idp.name ?? idp.issuer,
    jwksUri: idp.jwks_uri,
    jwks: idp.jwks === undefined ? undefined : (structuredClone(idp.jwks) as JSONWebKeySet),
    subject: idp.subject,
    signup: idp.signup ?? false,
    algorithms: idp.algorithms ? [...idp.algorithms] : undefined,
    maxLifetimeS: idp.maxLifetime ?? 300,
    clockToleranceS: idp.clockTolerance ?? 60,
  };
}
