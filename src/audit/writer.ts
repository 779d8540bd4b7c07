/**
 * The audit writer behind `ctx.audit` and `ctx.auditAnonymous`. The store caps every stored field
 * (src/store/audit-caps.ts); events caused by unauthenticated requests are also bounded in number under
 * flood (./flood.ts). A failed audit write is logged, never turned into a failed request.
 */
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/resolve.js';
import type { RequestInfo } from '../context.js';
import { rateLimitKey } from '../http/client-ip.js';
import type { AuditEventInput, Store } from '../store/types.js';
import { FloodBoundedAudit } from './flood.js';

export interface AnonymousAuditOptions {
  /** The request was refused by a throttle: counted into aggregate rows only, never a row of its own. */
  throttled?: boolean;
  /** How many such events this call stands for (a tally). @default 1 */
  count?: number;
  /** The client network, when known already (otherwise derived from the request's IP). */
  network?: string;
}

export interface Auditors {
  audit(event: AuditEventInput, request?: RequestInfo): Promise<void>;
  auditAnonymous(
    event: AuditEventInput,
    request?: RequestInfo | null,
    options?: AnonymousAuditOptions,
  ): Promise<void>;
}

export function createAuditors(store: Store, config: ResolvedConfig, log: Logger): Auditors {
  const complete = (event: AuditEventInput, req: RequestInfo | null | undefined): AuditEventInput => ({
    ...event,
    ip: event.ip ?? req?.ip ?? null,
    userAgent: event.userAgent ?? req?.userAgent ?? null,
  });
  const flood = new FloodBoundedAudit(store, config.audit.flood);
  const report = (error: unknown, type: string) =>
    log.error({ err: error, type }, 'audit event not recorded');
  return {
    async audit(event, req) {
      try {
        await store.recordAuditEvent(complete(event, req), config.clock());
      } catch (error) {
        report(error, event.type);
      }
    },
    async auditAnonymous(event, req, options = {}) {
      const full = complete(event, req);
      try {
        await flood.record(full, options.network ?? rateLimitKey(full.ip ?? null), config.clock(), options);
      } catch (error) {
        report(error, event.type);
      }
    },
  };
}
