// Passwords of people who sign in (the console). Hashed with scrypt, a memory-hard KDF built into
// Node, and stored as a PHC-like string that carries its own parameters and salt:
//
//   $scrypt$ln=15,r=8,p=1$<salt, base64>$<hash, base64>
//
// ln is log2 of the cost N. N=2^15, r=8 needs 32 MiB and ~50–100 ms per hash: slow for a guesser,
// unnoticed by a person signing in. A stored hash with other parameters still verifies (they are
// read from the string), so the parameters can be raised later.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { AccountError } from './errors.ts';

const LOG_N = 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

const PHC =
  /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

function derive(
  password: string,
  salt: Buffer,
  logN: number,
  r: number,
  p: number,
  length: number,
): Promise<Buffer> {
  const options: ScryptOptions = { N: 2 ** logN, r, p, maxmem: 256 * 2 ** logN * r * p };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, length, options, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** Refuses a password that is too short or too long (VALIDATION_FAILED). */
export function checkPasswordPolicy(password: string): void {
  if ([...password].length < PASSWORD_MIN_LENGTH) {
    throw new AccountError(
      'VALIDATION_FAILED',
      `a password needs at least ${PASSWORD_MIN_LENGTH} characters`,
    );
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    throw new AccountError('VALIDATION_FAILED', `a password has at most ${PASSWORD_MAX_LENGTH} characters`);
  }
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, LOG_N, R, P, KEY_LENGTH);
  return `$scrypt$ln=${LOG_N},r=${R},p=${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Whether `password` matches the stored hash (constant-time compare; a malformed hash never matches). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = PHC.exec(stored);
  if (m === null || password.length > PASSWORD_MAX_LENGTH) return false;
  const [logN, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (logN < 10 || logN > 20 || r < 1 || p < 1) return false;
  const expected = Buffer.from(m[5]!, 'base64');
  if (expected.length < 16) return false;
  const key = await derive(password, Buffer.from(m[4]!, 'base64'), logN, r, p, expected.length);
  return timingSafeEqual(key, expected);
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the time of one verification against a hash nobody knows the password of, so an unknown
 * username answers as slowly as a wrong password.
 */
export async function burnVerification(password: string): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(18).toString('base64url'));
  await verifyPassword(password, await dummyHash);
  return false;
}

/** A random password for a person to sign in with once and change: 16 characters of 56, ~93 bits. */
export function generatePassword(): string {
  // base64url without the look-alikes people mistype when they copy it by hand
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(32);
  let out = '';
  for (const b of bytes) {
    // 224 = 56 * 4: skip the bytes above it so every character is equally likely
    if (b < 224) out += alphabet[b % 56];
    if (out.length === 16) return out;
  }
  return out + generatePassword().slice(out.length);
}
