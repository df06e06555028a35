// Password hashing: the stored format, verification, and what never verifies.
import { scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkPasswordPolicy, generatePassword, hashPassword, verifyPassword } from './passwords.ts';

describe('passwords', () => {
  it('stores a PHC-like scrypt string with its parameters and a fresh salt', async () => {
    const a = await hashPassword('ew-demo-2026');
    const b = await hashPassword('ew-demo-2026');
    expect(a).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('ew-demo-2026');
    expect(await verifyPassword('ew-demo-2026', a)).toBe(true);
    expect(await verifyPassword('ew-demo-2027', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('verifies with the parameters the string names (so they can be raised later)', async () => {
    const salt = Buffer.from('0123456789abcdef');
    const key = scryptSync('older password', salt, 32, { N: 2 ** 14, r: 8, p: 1 });
    const stored = `$scrypt$ln=14,r=8,p=1$${salt.toString('base64')}$${key.toString('base64')}`;
    expect(await verifyPassword('older password', stored)).toBe(true);
    expect(await verifyPassword('older passwort', stored)).toBe(false);
  });

  it('never verifies against a malformed or absurd hash', async () => {
    for (const stored of [
      '',
      'plain',
      '$argon2id$v=19$m=65536,t=3,p=4$abc$def',
      '$scrypt$ln=30,r=8,p=1$AAAA$AAAA',
      '$scrypt$ln=15,r=8,p=1$AAAA$AAAA',
    ]) {
      expect(await verifyPassword('x', stored)).toBe(false);
    }
  });

  it('generates 16 unambiguous characters, different each time, that pass the policy', () => {
    const passwords = new Set(Array.from({ length: 50 }, generatePassword));
    expect(passwords.size).toBe(50);
    for (const p of passwords) {
      expect(p).toMatch(/^[a-km-np-zA-HJ-NP-Z2-9]{16}$/);
      expect(() => checkPasswordPolicy(p)).not.toThrow();
    }
    expect(() => checkPasswordPolicy('short')).toThrow(/at least 10/);
    expect(() => checkPasswordPolicy('x'.repeat(257))).toThrow(/at most 256/);
  });
});
