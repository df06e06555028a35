// Bearer tokens for machines and scripts (metrics scrape, automation): random, shown once, stored
// only as their sha256, so a leaked table holds no usable credential.
import { createHash, randomBytes } from 'node:crypto';

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A fresh token: 32 random bytes, base64url, with a recognisable prefix (for secret scanners). */
export function newToken(): string {
  return `ew_${randomBytes(32).toString('base64url')}`;
}
