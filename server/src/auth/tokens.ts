/**
 * Opaque bearer tokens (device tokens, login sessions, pairing secrets). They carry 256 bits of
 * randomness, so a fast hash is enough to store them: only the SHA-256 reaches the database.
 */
import { createHash, randomBytes } from 'node:crypto';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
