export { KNOWN_CLIENT_SCHEMES, withCompatibility } from './config/compatibility.js';
export { machineClient, nativeApp, singlePageApp, webApp } from './config/intents.js';
export type { MetricsOptions, TracingOptions } from './config/observability.js';
export type {
  CimdOptions,
  ClientOptions,
  DcrOptions,
  GatehouseOptions,
  ResourceOptions,
  SigningAlgorithm,
} from './config/options.js';
export { ConfigError, type ResolvedConfig, resolveConfig } from './config/resolve.js';
export { isOAuthError, OAuthError, type OAuthErrorCode } from './errors.js';
export { type ConnectionInfo, createGatehouse, type Gatehouse } from './gatehouse.js';
export { DatabaseOpenError, openStore } from './store/index.js';
export type { ClientRecord, Store, UserRecord } from './store/types.js';
export { SecretMismatchError } from './tokens/keys.js';
