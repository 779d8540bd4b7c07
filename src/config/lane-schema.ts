import { z } from 'zod';
import { checkRedirectUri } from '../lanes/redirect-uri.js';

/** The options of the two open client lanes, CIMD and DCR (./lane-options.ts; docs/cimd.md, docs/dcr.md). */

const positiveInt = z.number().int().positive().optional();

export const cimdSchema = z
  .strictObject({
    enabled: z.boolean().optional(),
    trustedHosts: z.array(z.string().min(1)).optional(),
    allowLoopback: z.boolean().optional(),
    maxDocumentBytes: z.number().int().min(512).max(1_048_576).optional(),
    timeoutMs: z.number().int().min(100).max(30_000).optional(),
    minTtl: z.number().int().min(0).optional(),
    maxTtl: z.number().int().min(1).optional(),
    maxConcurrentFetches: positiveInt,
    maxConcurrentFetchesPerIp: positiveInt,
    fetchesPerHostPerMinute: positiveInt,
    refreshesPerHostPerMinute: positiveInt,
    fetchesPerIpPerMinute: positiveInt,
    staleIfError: z
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .optional(),
    staleAfterDays: z.number().positive().optional(),
    defaultTtl: z.number().int().min(0).max(86_400).optional(),
    jwksCooldown: z.number().int().min(1).max(3600).optional(),
    policy: z.any().optional(),
    fetch: z.any().optional(),
  })
  .optional();

export const dcrSchema = z
  .strictObject({
    enabled: z.boolean().optional(),
    maxRegistrationsPerWindow: positiveInt,
    maxRegistrationsGlobal: positiveInt,
    windowSeconds: positiveInt,
    staleAfterDays: z.number().positive().optional(),
    allowedCustomSchemes: z
      .array(
        z
          .string()
          .regex(/^[a-z][a-z0-9+.-]*$/, 'must be a lower-case URI scheme')
          .superRefine((scheme, ctx) => {
            // RFC 8252 §7.1 private-use schemes only: http(s) have their own rules, and the schemes
            // refused everywhere (OAuth 2.1 §7.11) cannot be allow-listed.
            const problem = checkRedirectUri(`${scheme}://x/cb`, {
              allowCustomSchemes: true,
              requireReverseDns: false,
            });
            if (scheme === 'http' || scheme === 'https' || problem)
              ctx.addIssue({
                code: 'custom',
                message: `${scheme} is not a private-use scheme that may be allowed`,
              });
          }),
      )
      .optional(),
    policy: z.any().optional(),
  })
  .optional();
