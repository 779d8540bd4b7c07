/**
 * The targets of issue 18 (which tightened issue 7's), checked against the measured medians. A ratio
 * is the median over the rounds of Gatehouse's req/s over the peer's in the same round.
 */
const r = (row, peer) => row.ratios?.[peer] ?? Number.NaN;
export const TARGETS = {
  client_credentials: {
    text: '≥ 0.9× floor, ≥ 3× oidc-provider in memory',
    check: (row) => r(row, 'floor') >= 0.9 && r(row, 'oidc-provider-memory') >= 3,
  },
  metadata: { text: '≥ 1.2× oidc-provider in memory', check: (row) => r(row, 'oidc-provider-memory') >= 1.2 },
  jwks: { text: '≥ 1.2× oidc-provider in memory', check: (row) => r(row, 'oidc-provider-memory') >= 1.2 },
  refresh_token: {
    text: '≥ 3,000/s SQLite, ≥ 2,000/s PostgreSQL; 0 lost/doubled',
    check: (row) =>
      row.gatehouse.rps >= (row.backend === 'postgres' ? 2000 : 3000) && (row.rotationCheck?.ok ?? false),
  },
  authorization_code: { text: '≥ 1,500/s', check: (row) => row.gatehouse.rps >= 1500 },
  introspection_jwt: { text: '(no target)', check: () => undefined },
  introspection: { text: '(no target)', check: () => undefined },
  authorize: { text: '(no target)', check: () => undefined },
};
export const RSS_TARGET_MB = 120;
export const WORKERS_TARGET = 1.8;
export const VERIFY_TARGET = 1.2;
export const SCALE_TARGET = 1.2;
