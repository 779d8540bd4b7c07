import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { applyEnvironment } from '../../src/cli/config-file.js';
import type { GatehouseOptions } from '../../src/config/options.js';
import { ConfigError, resolveConfig } from '../../src/config/resolve.js';
import { renderOverview } from '../../src/pages/admin/overview.js';

/**
 * The `metrics` and `tracing` options (docs/configuration.md): defaults, and every bad value refused at
 * start-up naming the field. The token is kept only as its SHA-256.
 */

const SECRET = 'a-secret-of-at-least-thirty-two-characters';
const TOKEN = 'a-metrics-token-of-thirty-two-chars-or-more';
const options = (extra: Record<string, unknown> = {}): GatehouseOptions =>
  ({ issuer: 'http://127.0.0.1:4000', secret: SECRET, logger: false, ...extra }) as GatehouseOptions;

function problem(extra: Record<string, unknown>): string {
  try {
    resolveConfig(options(extra));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  return expect.fail(`accepted: ${JSON.stringify(extra)}`);
}

describe('metrics and tracing configuration', () => {
  it('both are off by default; metrics default to /metrics, loopback only, with process metrics', () => {
    const config = resolveConfig(options());
    expect(config.metrics).toMatchObject({
      enabled: false,
      path: '/metrics',
      tokenDigest: null,
      allowFrom: null,
      processMetrics: true,
    });
    expect(config.tracing.enabled).toBe(false);
  });

  it('keeps the token only as its SHA-256, and takes "sha256:<hex>" as already hashed', () => {
    const digest = createHash('sha256').update(TOKEN).digest('hex');
    const plain = resolveConfig(options({ metrics: { enabled: true, token: TOKEN } }));
    expect(plain.metrics.tokenDigest).toBe(digest);
    expect(JSON.stringify(plain.metrics)).not.toContain(TOKEN);
    const hashed = resolveConfig(options({ metrics: { token: `sha256:${digest.toUpperCase()}` } }));
    expect(hashed.metrics.tokenDigest).toBe(digest);
  });

  it.each([
    [{ metrics: { token: 'short' } }, 'metrics.token'],
    [{ metrics: { token: 'sha256:abc' } }, 'metrics.token'],
    [{ metrics: { allowFrom: ['10.0.0.0/33'] } }, 'metrics.allowFrom[0]'],
    [{ metrics: { allowFrom: ['example.com'] } }, 'metrics.allowFrom[0]'],
    [{ metrics: { path: 'metrics' } }, 'metrics.path'],
    [{ metrics: { path: '/m?x=1' } }, 'metrics.path'],
    [{ metrics: { enabled: true, path: '/token' } }, 'metrics.path'],
    [{ metrics: { enabled: true, path: '/.well-known/metrics' } }, 'metrics.path'],
    [{ metrics: { enabled: true, path: '/admin/metrics' } }, 'metrics.path'],
    [{ metrics: { enabled: 'yes' } }, 'metrics.enabled'],
    [{ metrics: { scrapeToken: TOKEN } }, 'metrics'],
    [{ tracing: { enabled: true, exporter: 'otlp' } }, 'tracing'],
  ])('refuses %j naming %s', (extra, field) => {
    expect(problem(extra)).toContain(field);
  });

  it('a path under the issuer path is refused only where it is a Gatehouse route', () => {
    const withPath = { issuer: 'http://127.0.0.1:4000/auth' };
    expect(problem({ ...withPath, metrics: { enabled: true, path: '/auth/token' } })).toContain(
      'metrics.path',
    );
    expect(
      resolveConfig(options({ ...withPath, metrics: { enabled: true, path: '/token' } })).metrics.path,
    ).toBe('/token');
  });

  it('GATEHOUSE_METRICS_TOKEN sets metrics.token for the CLI, keeping the other metrics options', () => {
    const merged = applyEnvironment(options({ metrics: { enabled: true, path: '/m' } }), {
      GATEHOUSE_METRICS_TOKEN: TOKEN,
    });
    expect(merged.metrics).toEqual({ enabled: true, path: '/m', token: TOKEN });
  });
});

describe('the dashboard Overview', () => {
  const frame = {
    basePath: '',
    title: 'Overview',
    section: 'overview',
    adminEmail: 'a@example.com',
  } as const;
  const lane = { active: 0, disabled: 0 };
  const overview = { clients: { preregistered: lane, cimd: lane, dcr: lane }, days: [] };
  const page = (observability: Parameters<typeof renderOverview>[0]['observability']) =>
    renderOverview({ frame, admin: '/admin', overview, observability });

  it('links to the metrics when they are on and says who may read them; says how to turn them on when not', () => {
    const on = page({
      metricsUrl: 'http://127.0.0.1:4000/metrics',
      protection: 'loopback addresses only',
      tracing: true,
    });
    expect(on).toContain('<a href="http://127.0.0.1:4000/metrics">');
    expect(on).toContain('loopback addresses only');
    expect(on).toContain('tracing is on');
    const off = page({ metricsUrl: null, protection: 'loopback addresses only', tracing: false });
    expect(off).not.toContain('/metrics"');
    expect(off).toContain('Prometheus metrics are off');
    expect(off).toContain('tracing is off');
  });
});
