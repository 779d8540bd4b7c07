import type { ResolvedResourceOptions } from './options.js';

/**
 * The issuer's RFC 8414 metadata, read once and shared by the JWT and introspection verifiers, so
 * endpoint URLs are discovered rather than guessed. The document must name the configured issuer
 * byte for byte (RFC 8414 §3.3): a resource server that followed another issuer's `jwks_uri` would
 * accept that issuer's tokens. A failed fetch is remembered for a few seconds, then retried.
 */

export interface AuthorizationServerMetadata {
  issuer: string;
  jwks_uri?: string;
  introspection_endpoint?: string;
  [member: string]: unknown;
}

const RETRY_AFTER_FAILURE_MS = 5_000;

/** RFC 8414 §3.1: the well-known suffix goes between the host and the issuer's path. */
export function authorizationServerMetadataUrl(issuer: string): string {
  const authorityStart = issuer.indexOf('//') + 2;
  const pathStart = issuer.indexOf('/', authorityStart);
  if (pathStart === -1) return `${issuer}/.well-known/oauth-authorization-server`;
  return `${issuer.slice(0, pathStart)}/.well-known/oauth-authorization-server${issuer.slice(pathStart)}`;
}

export function createDiscovery(config: ResolvedResourceOptions): () => Promise<AuthorizationServerMetadata> {
  let pending: Promise<AuthorizationServerMetadata> | undefined;
  let failedAt = 0;
  const load = async (): Promise<AuthorizationServerMetadata> => {
    const url = authorizationServerMetadataUrl(config.issuer);
    const response = await config.fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(5_000),
    });
    if (response.status !== 200)
      throw new Error(`authorization server metadata at ${url} answered ${response.status}`);
    const metadata = (await response.json()) as AuthorizationServerMetadata;
    if (typeof metadata !== 'object' || metadata === null || metadata.issuer !== config.issuer) {
      throw new Error(
        `authorization server metadata at ${url} names issuer ${JSON.stringify(metadata?.issuer)}, not ${config.issuer}`,
      );
    }
    return metadata;
  };
  return () => {
    if (pending && failedAt && config.clock() - failedAt > RETRY_AFTER_FAILURE_MS) pending = undefined;
    if (!pending) {
      failedAt = 0;
      pending = load();
      pending.catch(() => {
        failedAt = config.clock();
      });
    }
    return pending;
  };
}
