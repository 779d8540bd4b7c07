import { errors } from 'jose';

/**
 * Why jose refused a signed JWT, in words a developer can act on, for every kind of assertion this
 * server verifies (client assertions, ID-JAGs, DPoP proofs): `name` is how the message calls the JWT,
 * `keys` where its keys came from. `unknownKey`: no key matched the header (worth one re-fetch of a jwks_uri).
 */
export function joseRefusal(
  error: unknown,
  name: string,
  keys: string,
): { reason: string; unknownKey: boolean } {
  const reason = (text: string, unknownKey = false) => ({ reason: text, unknownKey });
  if (error instanceof errors.JWKSNoMatchingKey)
    return reason(`no key of ${keys} matches the ${name} header`, true);
  if (error instanceof errors.JWTClaimValidationFailed)
    return reason(`${name} claim ${error.claim} is invalid (${error.message})`);
  if (error instanceof errors.JWTExpired) return reason(`${name} has expired`);
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return reason(`${name} signature does not verify`);
  if (error instanceof errors.JOSEAlgNotAllowed) return reason(`${name} alg is not accepted`);
  if (error instanceof errors.JOSEError) return reason(`${name} refused: ${error.code}`);
  return reason(`${name} could not be verified`);
}
