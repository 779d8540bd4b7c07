/**
 * Every user id, which is the `sub` of that user's tokens, starts with this. No client_id may
 * (src/lanes/client-id.ts), because a client_credentials token's `sub` is its client_id (RFC 9068 §2.2):
 * the two namespaces never meet (RFC 9700 §4.15).
 */
export const USER_SUBJECT_PREFIX = 'usr_';
