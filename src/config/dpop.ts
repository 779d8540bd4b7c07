import { z } from 'zod';

/**
 * DPoP at the token endpoint (RFC 9449): how old a proof may be and whether a server nonce is
 * required. Per-client "always DPoP" is client metadata (`dpop_bound_access_tokens`, RFC 9449 §5.2).
 * @see docs/configuration.md ("dpop"), docs/enterprise.md ("DPoP")
 */
export interface DpopOptions {
  /**
   * How old (seconds) a proof's `iat` may be; a proof's `jti` is remembered (in the database, so
   * every instance refuses a replay) for this long plus `clockSkew` (RFC 9449 §11.1). @default 60
   */
  proofMaxAge?: number;
  /** How far (seconds) a proof's `iat` may be ahead of this server's clock. @default 5 */
  clockSkew?: number;
  /**
   * Require a server-provided nonce in every proof (RFC 9449 §8): a proof without a current one gets
   * `use_dpop_nonce` and a `DPoP-Nonce` header. Nonces are stateless (an HMAC of a time window under
   * the secret), so any instance accepts another's. @default false
   */
  requireNonce?: boolean;
  /** How long (seconds) a nonce stays current; the previous window's nonce is accepted too. @default 300 */
  nonceLifetime?: number;
}

export interface ResolvedDpop {
  proofMaxAge: number;
  clockSkew: number;
  requireNonce: boolean;
  nonceLifetime: number;
}

export const dpopSchema = z
  .strictObject({
    proofMaxAge: z.number().int().min(1).max(600).optional(),
    clockSkew: z.number().int().min(0).max(300).optional(),
    requireNonce: z.boolean().optional(),
    nonceLifetime: z.number().int().min(10).max(86_400).optional(),
  })
  .optional();

export function resolveDpop(o: { dpop?: z.output<typeof dpopSchema> }): ResolvedDpop {
  return {
    proofMaxAge: o.dpop?.proofMaxAge ?? 60,
    clockSkew: o.dpop?.clockSkew ?? 5,
    requireNonce: o.dpop?.requireNonce ?? false,
    nonceLifetime: o.dpop?.nonceLifetime ?? 300,
  };
}
