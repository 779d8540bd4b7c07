import type { GatehouseOptions } from './options.js';

/**
 * The `compatibility` preset: what the MCP clients people use need (docs/clients.md), in one line, like
 * the reference product's `EnableChatGptCompatibility`. It only changes defaults — a value set
 * explicitly always wins — and it relaxes no safety rule: PKCE, exact redirect matching, the forbidden
 * redirect schemes, the open-redirect rules, the registration limits and consent all stay as they are.
 *
 * - both self-describing lanes on: CIMD (ChatGPT, Claude, Goose, Claude Code) and DCR (Cursor,
 *   VS Code, Copilot CLI, claude.ai, ChatGPT's fallback);
 * - DCR accepts the private-use redirect schemes of well-known desktop clients (KNOWN_CLIENT_SCHEMES).
 *
 * What every configuration does anyway (no preset needed): `offline_access` is understood, requests
 * without `scope` or `resource` work, and a registration asking for a client secret is registered as a
 * public client and says so (docs/dcr.md).
 */

/**
 * Private-use redirect URI schemes (RFC 8252 §7.1) of well-known MCP desktop clients. They are not in
 * reverse-domain form (OAuth 2.1 §8.4.3 asks for it), so each is admitted by name, never by pattern.
 * cursor: `cursor://anysphere.cursor-mcp/oauth/callback` (soflyy/agent-connector-for-wp#111);
 * vscode, vscode-insiders: VS Code's URL handlers; windsurf: Windsurf's.
 */
export const KNOWN_CLIENT_SCHEMES: readonly string[] = ['cursor', 'vscode', 'vscode-insiders', 'windsurf'];

/** `options` with the compatibility preset on: `createGatehouse(withCompatibility({ issuer, … }))`. */
export function withCompatibility<T extends Partial<GatehouseOptions>>(options: T): T {
  return { ...options, compatibility: true };
}

/** The defaults the preset changes, for `resolveConfig`; explicit options override each of them. */
export function compatibilityDefaults(on: boolean) {
  return {
    cimdEnabled: on,
    dcrEnabled: on,
    dcrAllowedCustomSchemes: on ? [...KNOWN_CLIENT_SCHEMES] : [],
  };
}
