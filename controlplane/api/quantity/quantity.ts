/**
 * Kubernetes resource quantities (apimachinery `resource.Quantity`): `100m`,
 * `0.5`, `128Mi`, `1e3`. A quantity is kept as an exact count of nano-units in
 * a bigint — Kubernetes rounds every value up to a whole nano-unit when it
 * parses it, so nothing finer is ever needed — together with the format its
 * suffix asked for, which decides how it prints.
 */

/** QuantityFormat is how a quantity prints: `1Ki` (BinarySI), `1k` (DecimalSI), `1e3` (DecimalExponent). */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** quantityRegexp is the syntax Kubernetes quotes when a quantity does not parse. */
export const quantityRegexp = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

const errFormatWrong = `quantities must match the regular expression '${quantityRegexp}'`;
const errNumeric = 'unable to parse numeric part of quantity';
const errSuffix = "unable to parse quantity's suffix";

/** QuantityError is a string that is not a quantity; its message is Kubernetes' own. */
export class QuantityError extends Error {
  override name = 'QuantityError';
  /** input is the text that failed to parse. */
  readonly input: string;

  constructor(input: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.input = input;
  }
}

/** isQuantityError tells whether `e` is a QuantityError. */
export function isQuantityError(e: unknown): e is QuantityError {
  return e instanceof QuantityError;
}

const NANO = 1_000_000_000n;
/** Binary quantities are capped at the largest int64, as Kubernetes does. */
const MAX_BINARY_NANOS = (2n ** 63n - 1n) * NANO;
/** Decimal exponents beyond this are refused rather than building enormous numbers. */
const MAX_SHIFT = 1000;

interface SuffixMeaning {
  base: 2 | 10;
  exponent: number;
  format: QuantityFormat;
}

const suffixes: ReadonlyMap<string, SuffixMeaning> = new Map<string, SuffixMeaning>([
  ['n', { base: 10, exponent: -9, format: 'DecimalSI' }],
  ['u', { base: 10, exponent: -6, format: 'DecimalSI' }],
  ['m', { base: 10, exponent: -3, format: 'DecimalSI' }],
  ['', { base: 10, exponent: 0, format: 'DecimalSI' }],
  ['k', { base: 10, exponent: 3, format: 'DecimalSI' }],
  ['M', { base: 10, exponent: 6, format: 'DecimalSI' }],
  ['G', { base: 10, exponent: 9, format: 'DecimalSI' }],
  ['T', { base: 10, exponent: 12, format: 'DecimalSI' }],
  ['P', { base: 10, exponent: 15, format: 'DecimalSI' }],
  ['E', { base: 10, exponent: 18, format: 'DecimalSI' }],
  ['Ki', { base: 2, exponent: 10, format: 'BinarySI' }],
  ['Mi', { base: 2, exponent: 20, format: 'BinarySI' }],
  ['Gi', { base: 2, exponent: 30, format: 'BinarySI' }],
  ['Ti', { base: 2, exponent: 40, format: 'BinarySI' }],
  ['Pi', { base: 2, exponent: 50, format: 'BinarySI' }],
  ['Ei', { base: 2, exponent: 60, format: 'BinarySI' }],
]);

const decimalSuffixByExponent = new Map<number, string>(
  [...suffixes].filter(([, m]) => m.base === 10).map(([s, m]) => [m.exponent, s]),
);
const binarySuffixes = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

function interpretSuffix(suffix: string): SuffixMeaning | undefined {
  const known = suffixes.get(suffix);
  if (known) return known;
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E')) {
    const rest = suffix.slice(1);
    // strconv.ParseInt syntax: optional sign, decimal digits.
    if (!/^[+-]?[0-9]+$/.test(rest)) return undefined;
    const exponent = Number(rest);
    if (!Number.isFinite(exponent)) return undefined;
    return { base: 10, exponent, format: 'DecimalExponent' };
  }
  return undefined;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const suffixChars = 'eEinumkKMGTP';

interface Parts {
  negative: boolean;
  /** num is the integer digits without leading zeros ('0' when there are none). */
  num: string;
  denom: string;
  suffix: string;
}

/** split cuts a quantity into sign, integer digits, fraction digits and suffix, as apimachinery does. */
function split(s: string): Parts {
  let pos = 0;
  let negative = false;
  if (s[0] === '-') {
    negative = true;
    pos = 1;
  } else if (s[0] === '+') {
    pos = 1;
  }
  while (s[pos] === '0') pos++;
  const numStart = pos;
  while (isDigit(s[pos])) pos++;
  const num = s.slice(numStart, pos) || '0';
  let denom = '';
  if (s[pos] === '.') {
    pos++;
    const start = pos;
    while (isDigit(s[pos])) pos++;
    denom = s.slice(start, pos);
  }
  const suffixStart = pos;
  while (pos < s.length && suffixChars.includes(s[pos] as string)) pos++;
  if (s[pos] === '-' || s[pos] === '+') pos++;
  while (isDigit(s[pos])) pos++;
  if (pos < s.length) throw new QuantityError(s, errFormatWrong);
  return { negative, num, denom, suffix: s.slice(suffixStart) };
}

/** divCeil divides non-negative `a` by positive `b`, rounding up. */
const divCeil = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;

/** divAway divides by a positive `b`, rounding away from zero (Kubernetes' ScaledValue). */
function divAway(a: bigint, b: bigint): bigint {
  return a < 0n ? -divCeil(-a, b) : divCeil(a, b);
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/**
 * Quantity is an immutable Kubernetes resource quantity with exact arithmetic.
 * Values are rounded up to a whole nano-unit when created, like Kubernetes.
 * `toString()` (and `toJSON()`) give Kubernetes' canonical form.
 */
export class Quantity {
  private constructor(
    /** nanos is the value in units of 10^-9. */
    private readonly nanos: bigint,
    /** format is the notation the quantity prints in. */
    readonly format: QuantityFormat,
  ) {}

  /** parse reads a quantity string; it throws QuantityError with Kubernetes' message when it is not one. */
  static parse(text: string): Quantity {
    if (text.length === 0) throw new QuantityError(text, errFormatWrong);
    const { negative, num, denom, suffix } = split(text);
    const meaning = interpretSuffix(suffix);
    if (!meaning) throw new QuantityError(text, errSuffix);
    let format = meaning.format;
    let digits = BigInt(num + denom);
    let scale = -denom.length;
    if (meaning.base === 10) scale += meaning.exponent;
    else digits *= 1n << BigInt(meaning.exponent);

    const shift = scale + 9;
    let nanos: bigint;
    if (digits === 0n) {
      nanos = 0n;
    } else if (shift >= 0) {
      if (shift > MAX_SHIFT) throw new QuantityError(text, errNumeric);
      nanos = digits * pow10(shift);
    } else if (-shift > digits.toString().length) {
      // Below one nano-unit: Kubernetes rounds any non-zero request up to 1n.
      nanos = 1n;
    } else {
      nanos = divCeil(digits, pow10(-shift));
    }
    if (format === 'BinarySI') {
      if (nanos > MAX_BINARY_NANOS) nanos = MAX_BINARY_NANOS;
      if (nanos > 0n && nanos < NANO) format = 'DecimalSI';
    }
    return new Quantity(negative ? -nanos : nanos, format);
  }

  /** fromValue is NewQuantity: an integer number of units. */
  static fromValue(value: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return Quantity.fromScaled(value, 0, format);
  }

  /** fromMilli is NewMilliQuantity: an integer number of thousandths. */
  static fromMilli(milli: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return Quantity.fromScaled(milli, -3, format);
  }

  /**
   * fromScaled is NewScaledQuantity: `value × 10^scale` (scale -9 is nano, 3 is
   * kilo). `value` must be an integer; a value finer than a nano-unit is
   * rounded up like a parsed one.
   */
  static fromScaled(
    value: number | bigint,
    scale: number,
    format: QuantityFormat = 'DecimalSI',
  ): Quantity {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      throw new RangeError(`quantity value must be a safe integer, got ${value}`);
    }
    if (!Number.isInteger(scale) || Math.abs(scale) > MAX_SHIFT) {
      throw new RangeError(`quantity scale must be an integer within ±${MAX_SHIFT}`);
    }
    const v = BigInt(value);
    const shift = scale + 9;
    const nanos = shift >= 0 ? v * pow10(shift) : divAway(v, pow10(-shift));
    return new Quantity(nanos, format);
  }

  /** zero is 0 in the given format. */
  static zero(format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(0n, format);
  }

  /** nanoValue is the exact value in nano-units. */
  nanoValue(): bigint {
    return this.nanos;
  }

  /**
   * scaledValue is ScaledValue: the value in units of 10^scale, rounded away
   * from zero (so 1m at scale 0 is 1, and -1m is -1).
   */
  scaledValue(scale: number): bigint {
    const shift = scale + 9;
    return shift >= 0 ? divAway(this.nanos, pow10(shift)) : this.nanos * pow10(-shift);
  }

  /** value is Value(): whole units rounded up (away from zero), as a number (exact below 2^53). */
  value(): number {
    return Number(this.scaledValue(0));
  }

  /** milliValue is MilliValue(): thousandths rounded up (away from zero), as a number. */
  milliValue(): number {
    return Number(this.scaledValue(-3));
  }

  /** asApproximateFloat64 is the value as a float, for ratios (the autoscaler). */
  asApproximateFloat64(): number {
    const whole = this.nanos / NANO;
    const frac = this.nanos % NANO;
    return Number(whole) + Number(frac) / 1e9;
  }

  /** isZero tells whether the value is zero. */
  isZero(): boolean {
    return this.nanos === 0n;
  }

  /** sign is -1, 0 or 1. */
  sign(): -1 | 0 | 1 {
    return this.nanos < 0n ? -1 : this.nanos > 0n ? 1 : 0;
  }

  /** cmp is -1, 0 or 1 as this is less than, equal to or greater than `y`. */
  cmp(y: Quantity): -1 | 0 | 1 {
    return this.nanos < y.nanos ? -1 : this.nanos > y.nanos ? 1 : 0;
  }

  /** equal compares values only (`1Gi` equals `1024Mi` and `1073741824`). */
  equal(y: Quantity): boolean {
    return this.nanos === y.nanos;
  }

  /** add returns this + y, in this quantity's format (or y's when this is zero, like Kubernetes). */
  add(y: Quantity): Quantity {
    return new Quantity(this.nanos + y.nanos, this.isZero() ? y.format : this.format);
  }

  /** sub returns this − y, formatted like `add`. */
  sub(y: Quantity): Quantity {
    return new Quantity(this.nanos - y.nanos, this.isZero() ? y.format : this.format);
  }

  /** mul returns this × n for an integer n. */
  mul(n: number | bigint): Quantity {
    if (typeof n === 'number' && !Number.isSafeInteger(n)) {
      throw new RangeError(`quantity multiplier must be a safe integer, got ${n}`);
    }
    return new Quantity(this.nanos * BigInt(n), this.format);
  }

  /** neg returns −this. */
  neg(): Quantity {
    return new Quantity(-this.nanos, this.format);
  }

  /** withFormat returns the same value printed in another format. */
  withFormat(format: QuantityFormat): Quantity {
    return new Quantity(this.nanos, format);
  }

  /**
   * toString is Kubernetes' canonical form: the smallest integer mantissa with
   * a suffix of the quantity's format (`1500m`, `1Gi`, `1e3`). Binary
   * quantities that are not a whole number ≥ 1024 print as DecimalSI.
   */
  toString(): string {
    if (this.nanos === 0n) return '0';
    const sign = this.nanos < 0n ? '-' : '';
    let mag = this.nanos < 0n ? -this.nanos : this.nanos;
    let format = this.format;
    if (format === 'BinarySI' && (mag < 1024n * NANO || mag % NANO !== 0n)) format = 'DecimalSI';

    if (format === 'BinarySI') {
      let v = mag / NANO;
      let e = 0;
      while (e < binarySuffixes.length - 1 && v % 1024n === 0n) {
        v /= 1024n;
        e++;
      }
      return `${sign}${v}${binarySuffixes[e]}`;
    }

    let exponent = -9;
    while (mag % 10n === 0n) {
      mag /= 10n;
      exponent++;
    }
    const r = ((exponent % 3) + 3) % 3;
    mag *= pow10(r);
    exponent -= r;
    if (format === 'DecimalExponent') return `${sign}${mag}${exponent === 0 ? '' : `e${exponent}`}`;
    // Kubernetes has no suffix past E (it would print a bare mantissa): keep E.
    if (exponent > 18) {
      mag *= pow10(exponent - 18);
      exponent = 18;
    }
    return `${sign}${mag}${decimalSuffixByExponent.get(exponent) ?? ''}`;
  }

  /** toJSON makes JSON.stringify write the canonical string, as Kubernetes serialises quantities. */
  toJSON(): string {
    return this.toString();
  }
}

/** parseQuantity is Quantity.parse (Kubernetes' ParseQuantity). */
export function parseQuantity(text: string): Quantity {
  return Quantity.parse(text);
}

/**
 * quantityFromJson reads a quantity as it appears in a decoded JSON or YAML
 * object: a string (surrounding whitespace ignored, as Kubernetes' decoder
 * does) or a number (`cpu: 0.5`). Anything else throws QuantityError.
 */
export function quantityFromJson(v: unknown): Quantity {
  if (typeof v === 'string') return Quantity.parse(v.trim());
  if (typeof v === 'number' && Number.isFinite(v)) return Quantity.parse(String(v));
  throw new QuantityError(String(v), errFormatWrong);
}

/** canonicalQuantity parses `text` and prints it back in canonical form (`0.5` → `500m`). */
export function canonicalQuantity(text: string): string {
  return Quantity.parse(text).toString();
}
