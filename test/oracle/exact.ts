// Exact decimal arithmetic for the oracle: every amount, share and factor is a rational number of
// BigInts, so a boundary (`>` vs `≥`, 30 % of 12 × income, 1.5 × standard) is decided exactly,
// never by a binary floating-point rounding.

export class Rational {
  private constructor(
    /** Numerator (sign carried here). */
    readonly n: bigint,
    /** Denominator, always > 0. */
    readonly d: bigint,
  ) {}

  static of(value: number | string | bigint): Rational {
    if (typeof value === 'bigint') return new Rational(value, 1n);
    // a JS number prints as the shortest decimal that round-trips: 8116.7 → "8116.7", 0.3 → "0.3"
    const text = typeof value === 'number' ? numberToDecimal(value) : value.trim();
    const m = /^([+-])?(\d*)(?:\.(\d*))?$/.exec(text);
    if (m === null || (m[2] === '' && (m[3] ?? '') === ''))
      throw new RangeError(`not a decimal: ${JSON.stringify(value)}`);
    const sign = m[1] === '-' ? -1n : 1n;
    const whole = m[2] === '' ? '0' : (m[2] ?? '0');
    const frac = m[3] ?? '';
    return Rational.make(sign * BigInt(whole + frac), 10n ** BigInt(frac.length));
  }

  private static make(n: bigint, d: bigint): Rational {
    if (d === 0n) throw new RangeError('division by zero');
    if (d < 0n) {
      n = -n;
      d = -d;
    }
    const g = gcd(n < 0n ? -n : n, d);
    return g > 1n ? new Rational(n / g, d / g) : new Rational(n, d);
  }

  add(o: Rational): Rational {
    return Rational.make(this.n * o.d + o.n * this.d, this.d * o.d);
  }
  sub(o: Rational): Rational {
    return Rational.make(this.n * o.d - o.n * this.d, this.d * o.d);
  }
  mul(o: Rational | number): Rational {
    const r = typeof o === 'number' ? Rational.of(o) : o;
    return Rational.make(this.n * r.n, this.d * r.d);
  }
  div(o: Rational | number): Rational {
    const r = typeof o === 'number' ? Rational.of(o) : o;
    return Rational.make(this.n * r.d, this.d * r.n);
  }
  cmp(o: Rational): -1 | 0 | 1 {
    const l = this.n * o.d;
    const r = o.n * this.d;
    return l < r ? -1 : l > r ? 1 : 0;
  }
  lt(o: Rational): boolean {
    return this.cmp(o) < 0;
  }
  le(o: Rational): boolean {
    return this.cmp(o) <= 0;
  }
  gt(o: Rational): boolean {
    return this.cmp(o) > 0;
  }
  ge(o: Rational): boolean {
    return this.cmp(o) >= 0;
  }
  static max(a: Rational, b: Rational): Rational {
    return a.ge(b) ? a : b;
  }
  /** The exact decimal with `places` digits; throws when the value needs more. */
  toFixed(places: number): string {
    const scale = 10n ** BigInt(places);
    if ((this.n * scale) % this.d !== 0n)
      throw new RangeError(`${this.toString()} has more than ${places} decimals`);
    const v = (this.n * scale) / this.d;
    const neg = v < 0n;
    const digits = (neg ? -v : v).toString().padStart(places + 1, '0');
    const text = places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`;
    return (neg ? '-' : '') + text;
  }
  toString(): string {
    return this.d === 1n ? String(this.n) : `${this.n}/${this.d}`;
  }
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a === 0n ? 1n : a;
}

function numberToDecimal(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`not a finite number: ${x}`);
  const s = String(x);
  if (!/e/i.test(s)) return s;
  // 1e-7, 1.5e+21: expand the exponent by hand
  const [mant = '0', expText = '0'] = s.toLowerCase().split('e');
  const exp = Number(expText);
  const negative = mant.startsWith('-');
  const [i = '0', f = ''] = mant.replace('-', '').split('.');
  const digits = i + f;
  const point = i.length + exp;
  const out =
    point <= 0
      ? `0.${'0'.repeat(-point)}${digits}`
      : point >= digits.length
        ? digits + '0'.repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return (negative ? '-' : '') + out;
}

/** Whole days from `from` to `to` (ISO dates), `to − from`. */
export function daysBetween(from: string, to: string): number {
  return Math.round((isoDay(to) - isoDay(from)) / 86_400_000);
}

function isoDay(iso: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (m === null) throw new RangeError(`not an ISO date: ${iso}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

/** ISO date `days` after `iso`. */
export function addDays(iso: string, days: number): string {
  return new Date(isoDay(iso) + days * 86_400_000).toISOString().slice(0, 10);
}

/** Completed years on `at` of someone born on `birth` (both ISO dates). */
export function ageOn(birth: string, at: string): number {
  const [by, bm, bd] = birth.split('-').map(Number) as [number, number, number];
  const [ay, am, ad] = at.split('-').map(Number) as [number, number, number];
  return ay - by - (am < bm || (am === bm && ad < bd) ? 1 : 0);
}
