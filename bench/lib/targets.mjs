/** The targets of issue 7, checked against the measured medians. `value` is what the check reads. */
export const TARGETS = {
  client_credentials: { text: '≥ 1.5× oidc-provider', check: (row) => row.ratio >= 1.5 },
  metadata: { text: '≥ 1.2× oidc-provider', check: (row) => row.ratio >= 1.2 },
  jwks: { text: '≥ 1.2× oidc-provider', check: (row) => row.ratio >= 1.2 },
  refresh_token: {
    text: '≥ 2,000/s SQLite, ≥ 1,500/s PostgreSQL; 0 lost/doubled',
    check: (row) =>
      row.gatehouse.rps >= (row.backend === 'postgres' ? 1500 : 2000) && (row.rotationCheck?.ok ?? false),
  },
  authorization_code: { text: '≥ 1,500/s', check: (row) => row.gatehouse.rps >= 1500 },
  introspection: { text: '(no target)', check: () => undefined },
  authorize: { text: '(no target)', check: () => undefined },
};
export const RSS_TARGET_MB = 150;
export const WORKERS_TARGET = 1.8;
export const VERIFY_TARGET = 1.5;
export const SCALE_TARGET = 1.2;
