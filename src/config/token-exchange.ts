/**
 * On-behalf-of token exchange policy (RFC 8693; issue 17, DESIGN §4): which resource's access tokens
 * may be exchanged for which downstream resource's, and which scopes carry over. The shape
 * `tokenExchange: [{ from, to, scopes }]` is the contract. @see docs/enterprise.md
 */
import { z } from 'zod';
import { SCOPE_TOKEN } from '../scope-token.js';

/** One allowed exchange: a token for `from` may become a token for `to` holding at most `scopes`. */
export interface TokenExchangeRule {
  /** The resource (RFC 8707 identifier) the presented subject token is for: typically an MCP server. */
  from: string;
  /** The downstream resource the new token is for. */
  to: string;
  /**
   * The scopes that carry over: the new token's scope is the requested scope (or, when none is asked,
   * the subject token's) ∩ the subject token's scope ∩ these, and never wider.
   */
  scopes: string[];
}

/** An absolute URI without a fragment (RFC 8707 §2), as resources are configured. */
const resourceUri = z.string().refine(
  (value) => {
    try {
      new URL(value);
    } catch {
      return false;
    }
    return !value.includes('#');
  },
  { message: 'must be an absolute URI without a fragment (RFC 8707 §2)' },
);

export const tokenExchangeSchema = z
  .array(
    z.strictObject({
      from: resourceUri,
      to: resourceUri,
      scopes: z
        .array(z.string().regex(SCOPE_TOKEN, 'must be a scope token (RFC 6749 §3.3)'))
        .min(1, 'must name at least one scope that carries over'),
    }),
  )
  .max(1000)
  .optional();

export type ResolvedTokenExchangeRule = Readonly<{ from: string; to: string; scopes: readonly string[] }>;
