import { createHash } from 'node:crypto';
import type { TracerProvider } from '@opentelemetry/api';
import ipaddr from 'ipaddr.js';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { PATHS } from '../paths.js';
import { optionsSchema } from './schema.js';

/**
 * The `metrics` and `tracing` options (docs/operations.md, "Metrics and alerts" and "Tracing"): their
 * types, their schema and the checks that need the issuer. Defaults are in policies.ts.
 */

/** Prometheus metrics at `GET {origin}{path}` (DESIGN §4). @see docs/operations.md */
export interface MetricsOptions {
  /** Serve Prometheus text at `{origin}{path}`. @default false */
  enabled?: boolean;
  /** The path at the origin (not under the issuer's path). @default "/metrics" */
  path?: string;
  /**
   * A bearer token scrapers must present (`Authorization: Bearer …`), compared in constant time: at least
   * 32 characters, or `"sha256:<64 hex digits>"`, the SHA-256 of the token, so the file holds no secret.
   * The CLI also reads it from GATEHOUSE_METRICS_TOKEN. @default none
   */
  token?: string;
  /**
   * Client addresses allowed to scrape: IPs or CIDRs (`"10.0.0.0/8"`), matched against the client IP
   * (X-Forwarded-For only from `trustedProxies`). @default loopback only without `token`; any address
   * with it
   */
  allowFrom?: string[];
  /** Also export Node's process metrics (prom-client's defaults, prefixed `gatehouse_`). @default true */
  processMetrics?: boolean;
  /**
   * TypeScript API: a prom-client Registry of your application's to register Gatehouse's metrics in (one
   * Gatehouse instance per registry). @default a registry of this instance's own
   */
  registry?: Registry;
}

/** OpenTelemetry spans through `@opentelemetry/api`: no SDK is bundled; register your own. */
export interface TracingOptions {
  /** A span per request, with a child span per storage call. @default false */
  enabled?: boolean;
  /** TypeScript API: the provider to take the tracer from. @default the global one */
  tracerProvider?: TracerProvider;
}

/** `metrics` with every default filled (policies.ts); the token is kept only as its SHA-256. */
export interface ResolvedMetrics {
  enabled: boolean;
  path: string;
  /** Hex SHA-256 of `metrics.token`; null without one. */
  tokenDigest: string | null;
  /** null: the default (loopback only without a token, any address with one). */
  allowFrom: readonly string[] | null;
  processMetrics: boolean;
  registry: Registry | undefined;
}

export interface ObservabilityOptions {
  metrics?: MetricsOptions;
  tracing?: TracingOptions;
}

/** `sha256:` and 64 hex digits, or a token of at least 32 characters. */
const TOKEN_DIGEST = /^sha256:[0-9a-f]{64}$/i;
const isObject = (v: unknown) => typeof v === 'object' && v !== null;

export const observabilityShape = {
  metrics: z
    .strictObject({
      enabled: z.boolean().optional(),
      path: z
        .string()
        .regex(/^\/[A-Za-z0-9._~\-/]*$/, 'must be a path starting with "/" (letters, digits, . _ ~ - /)')
        .max(200)
        .optional(),
      token: z
        .string()
        .refine((t) => TOKEN_DIGEST.test(t) || (t.length >= 32 && !t.startsWith('sha256:')), {
          message: 'must be at least 32 characters, or "sha256:" and the 64 hex digits of its SHA-256',
        })
        .optional(),
      allowFrom: z
        .array(z.string().refine(parseAddressRange, { message: 'must be an IP address or a CIDR range' }))
        .optional(),
      processMetrics: z.boolean().optional(),
      registry: z.custom<Registry>(isObject, { error: 'must be a prom-client Registry' }).optional(),
    })
    .optional(),
  tracing: z
    .strictObject({
      enabled: z.boolean().optional(),
      tracerProvider: z.custom<TracerProvider>(isObject, { error: 'must be a TracerProvider' }).optional(),
    })
    .optional(),
};

/** The whole configuration schema: every other option (schema.ts), and these two. */
export const fullOptionsSchema = optionsSchema.extend(observabilityShape);
export type ParsedOptions = z.output<typeof fullOptionsSchema>;

/** An IP address (as a single-address range) or a CIDR range; undefined when it is neither. */
export function parseAddressRange(text: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined {
  try {
    if (text.includes('/')) return ipaddr.parseCIDR(text);
    const address = ipaddr.parse(text);
    return [address, address.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return undefined;
  }
}

/**
 * What would make the metrics path unreachable or shadow a route: it must not be one of Gatehouse's
 * own paths (under the issuer's path), nor under `/.well-known/` or the dashboard.
 */
export function metricsPathProblem(path: string, issuerPath: string): string | undefined {
  const own = Object.values(PATHS).map((p) => issuerPath + p);
  const admin = issuerPath + PATHS.admin;
  if (
    own.includes(path) ||
    path.startsWith('/.well-known/') ||
    path.startsWith(`${issuerPath}/.well-known/`) ||
    path === admin ||
    path.startsWith(`${admin}/`)
  )
    return `metrics.path: "${path}" is one of Gatehouse's own paths`;
  return undefined;
}

/** The hex SHA-256 a configured token is kept as (`sha256:<hex>` is taken as already hashed). */
export function tokenDigest(token: string): string {
  if (TOKEN_DIGEST.test(token)) return token.slice('sha256:'.length).toLowerCase();
  return createHash('sha256').update(token).digest('hex');
}
