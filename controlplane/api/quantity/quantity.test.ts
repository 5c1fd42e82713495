import { describe, expect, it } from 'vitest';
import {
  Quantity,
  QuantityError,
  canonicalQuantity,
  isQuantityError,
  parseQuantity,
  quantityFromJson,
  type QuantityFormat,
} from './index.js';

const q = parseQuantity;

describe('parseQuantity: value and format', () => {
  // [input, exact value in nano-units, format]
  const table: [string, bigint, QuantityFormat][] = [
    ['0', 0n, 'DecimalSI'],
    ['1', 1_000_000_000n, 'DecimalSI'],
    ['100m', 100_000_000n, 'DecimalSI'],
    ['0.5', 500_000_000n, 'DecimalSI'],
    ['1500m', 1_500_000_000n, 'DecimalSI'],
    ['500u', 500_000n, 'DecimalSI'],
    ['10n', 10n, 'DecimalSI'],
    ['2k', 2_000n * 1_000_000_000n, 'DecimalSI'],
    ['1.5G', 1_500_000_000n * 1_000_000_000n, 'DecimalSI'],
    ['8k', 8_000n * 10n ** 9n, 'DecimalSI'],
    ['7M', 7n * 10n ** 15n, 'DecimalSI'],
    ['5T', 5n * 10n ** 21n, 'DecimalSI'],
    ['2P', 2n * 10n ** 24n, 'DecimalSI'],
    ['1E', 10n ** 27n, 'DecimalSI'],
    ['1e3', 10n ** 12n, 'DecimalExponent'],
    ['1E6', 10n ** 15n, 'DecimalExponent'],
    ['1E-3', 10n ** 6n, 'DecimalExponent'],
    ['1.3E+6', 13n * 10n ** 14n, 'DecimalExponent'],
    ['0.5e-2', 5n * 10n ** 6n, 'DecimalExponent'],
    ['128Mi', 128n * 2n ** 20n * 10n ** 9n, 'BinarySI'],
    ['1Gi', 2n ** 30n * 10n ** 9n, 'BinarySI'],
    ['1Ki', 1024n * 10n ** 9n, 'BinarySI'],
    ['3Ei', 3n * 2n ** 60n * 10n ** 9n, 'BinarySI'],
    ['0.5Mi', 524288n * 10n ** 9n, 'BinarySI'],
    ['100.035Ki', 102435840000000n, 'BinarySI'],
    ['100.035k', 100035n * 10n ** 9n, 'DecimalSI'],
    ['10.035M', 10035n * 10n ** 12n, 'DecimalSI'],
    ['0.001', 1_000_000n, 'DecimalSI'],
    ['0.0005k', 500_000_000n, 'DecimalSI'],
    ['.001', 1_000_000n, 'DecimalSI'],
    ['1.', 1_000_000_000n, 'DecimalSI'],
    ['1.G', 10n ** 18n, 'DecimalSI'],
    ['007', 7_000_000_000n, 'DecimalSI'],
    ['+1', 1_000_000_000n, 'DecimalSI'],
    ['-1', -1_000_000_000n, 'DecimalSI'],
    ['-100m', -100_000_000n, 'DecimalSI'],
    ['-1Gi', -(2n ** 30n) * 10n ** 9n, 'BinarySI'],
    // Values finer than a nano-unit round up (away from zero).
    ['3.001n', 4n, 'DecimalSI'],
    ['1.1E-9', 2n, 'DecimalExponent'],
    ['0.0000000001', 1n, 'DecimalSI'],
    ['0.9n', 1n, 'DecimalSI'],
    ['0.00000012345', 124n, 'DecimalSI'],
    ['-0.9n', -1n, 'DecimalSI'],
    ['1e-300', 1n, 'DecimalExponent'],
    // Binary quantities below one change format; huge ones are capped at int64.
    ['0.000000000001Ki', 2n, 'DecimalSI'],
    ['9Ei', (2n ** 63n - 1n) * 10n ** 9n, 'BinarySI'],
    ['9223372036854775807Ki', (2n ** 63n - 1n) * 10n ** 9n, 'BinarySI'],
    ['12E', 12n * 10n ** 27n, 'DecimalSI'],
  ];
  for (const [input, nanos, format] of table) {
    it(`${input} = ${nanos}n (${format})`, () => {
      const got = q(input);
      expect(got.nanoValue()).toBe(nanos);
      expect(got.format).toBe(format);
    });
  }
});

describe('parseQuantity: errors', () => {
  const formatMsg =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
  const suffixMsg = "unable to parse quantity's suffix";
  const table: [string, string][] = [
    ['', formatMsg],
    ['1.1.M', formatMsg],
    ['1+1.0M', formatMsg],
    ['aoeu', formatMsg],
    [' 1', formatMsg],
    ['1 ', formatMsg],
    ['1e3k', formatMsg],
    ['-3.01e-', suffixMsg],
    ['0.1mi', suffixMsg],
    ['0.1am', formatMsg],
    ['.5i', suffixMsg],
    ['1i', suffixMsg],
    ['1K', suffixMsg],
    ['1ki', suffixMsg],
    ['1e', suffixMsg],
    ['1Ei3', suffixMsg],
    ['1e100000', 'unable to parse numeric part of quantity'],
  ];
  for (const [input, message] of table) {
    it(`${JSON.stringify(input)} → ${message.slice(0, 30)}…`, () => {
      let caught: unknown;
      try {
        q(input);
      } catch (e) {
        caught = e;
      }
      expect(isQuantityError(caught)).toBe(true);
      expect((caught as QuantityError).message).toBe(message);
      expect((caught as QuantityError).input).toBe(input);
      expect((caught as Error).name).toBe('QuantityError');
    });
  }
});

describe('canonical toString', () => {
  const table: [string, string][] = [
    ['0', '0'],
    ['-0', '0'],
    ['0Gi', '0'],
    ['1500m', '1500m'],
    ['1.5', '1500m'],
    ['0.5', '500m'],
    ['1', '1'],
    ['100m', '100m'],
    ['1024Mi', '1Gi'],
    ['1Gi', '1Gi'],
    ['300Mi', '300Mi'],
    ['307200Ki', '300Mi'],
    ['6Ki', '6Ki'],
    ['1025024Mi', '1001Gi'],
    ['1024Gi', '1Ti'],
    ['1.5Gi', '1536Mi'],
    ['1.5Ki', '1536'],
    ['0.5Ki', '512'],
    ['.001Ki', '1024m'],
    ['.000001Ki', '1024u'],
    ['.000000001Ki', '1024n'],
    ['1025', '1025'],
    ['1000M', '1G'],
    ['0.001T', '1G'],
    ['1000000k', '1G'],
    ['1000000000', '1G'],
    ['1000u', '1m'],
    ['80m', '80m'],
    ['1.08', '1080m'],
    ['1080000000n', '1080m'],
    ['300M', '300M'],
    ['1234567M', '1234567M'],
    ['3k', '3k'],
    ['2k', '2k'],
    ['50k', '50k'],
    ['1.5G', '1500M'],
    ['.001e12', '1e9'],
    ['0.001e0', '1e-3'],
    ['1000e-12', '1e-9'],
    ['80e-3', '80e-3'],
    ['1e3', '1e3'],
    ['1e1', '10'],
    ['1.5e3', '1500'],
    ['3e3', '3e3'],
    ['1080n', '1080n'],
    ['10.8e-7', '1080e-9'],
    ['1u', '1u'],
    ['10000000000000000000', '10E'],
    ['10000000000000000000000m', '10E'],
    ['1000000000000000000.1', '1000000000000000000100m'],
    ['1.000000000000000001E', '1000000000000000001'],
    ['1000E', '1000E'],
    ['-1500m', '-1500m'],
    ['-1Gi', '-1Gi'],
    ['-0.5Ki', '-512'],
    ['-1e3', '-1e3'],
    ['+1', '1'],
    ['007', '7'],
    ['9Ei', '9223372036854775807'],
  ];
  for (const [input, canonical] of table) {
    it(`${input} → ${canonical}`, () => {
      expect(q(input).toString()).toBe(canonical);
      expect(canonicalQuantity(input)).toBe(canonical);
      // The canonical form parses back to the same value.
      expect(q(canonical).equal(q(input))).toBe(true);
      expect(JSON.stringify({ cpu: q(input) })).toBe(`{"cpu":"${canonical}"}`);
    });
  }
});

describe('value, milliValue, scaledValue', () => {
  const table: [string, number, number][] = [
    ['1', 1, 1000],
    ['100m', 1, 100],
    ['1500m', 2, 1500],
    ['0.5', 1, 500],
    ['1n', 1, 1],
    ['128Mi', 134217728, 134217728000],
    ['2k', 2000, 2000000],
    ['-1500m', -2, -1500],
    ['-1n', -1, -1],
    ['0', 0, 0],
  ];
  for (const [input, value, milli] of table) {
    it(`${input}: value ${value}, milli ${milli}`, () => {
      expect(q(input).value()).toBe(value);
      expect(q(input).milliValue()).toBe(milli);
    });
  }

  it('scaledValue rounds away from zero at any scale', () => {
    expect(q('1234567n').scaledValue(-9)).toBe(1234567n);
    expect(q('1234567n').scaledValue(-6)).toBe(1235n);
    expect(q('1k').scaledValue(3)).toBe(1n);
    expect(q('1001').scaledValue(3)).toBe(2n);
    expect(q('1').scaledValue(-12)).toBe(10n ** 12n);
    expect(q('-1001').scaledValue(3)).toBe(-2n);
    expect(q('1Gi').nanoValue()).toBe(1073741824n * 10n ** 9n);
  });

  it('asApproximateFloat64 gives a float for ratios', () => {
    expect(q('250m').asApproximateFloat64()).toBe(0.25);
    expect(q('1Gi').asApproximateFloat64()).toBe(1073741824);
    expect(q('-1500m').asApproximateFloat64()).toBe(-1.5);
  });
});

describe('arithmetic and comparison', () => {
  it('adds without float drift', () => {
    let sum = Quantity.zero();
    for (let i = 0; i < 10; i++) sum = sum.add(q('100m'));
    expect(sum.toString()).toBe('1');
    expect(q('0.1').add(q('0.2')).equal(q('300m'))).toBe(true);
  });

  it('keeps the format of the left side, or takes the right one when the left is zero', () => {
    expect(q('1Gi').add(q('512Mi')).toString()).toBe('1536Mi');
    expect(q('1Gi').add(q('1')).toString()).toBe('1073741825');
    expect(Quantity.zero().add(q('1Mi')).format).toBe('BinarySI');
    expect(Quantity.zero().add(q('1Mi')).toString()).toBe('1Mi');
    expect(q('0').sub(q('1Mi')).toString()).toBe('-1Mi');
    expect(q('1').add(q('1Ki')).format).toBe('DecimalSI');
    expect(q('1').add(q('1Ki')).toString()).toBe('1025');
  });

  it('subtracts, negates and multiplies', () => {
    expect(q('1').sub(q('250m')).toString()).toBe('750m');
    expect(q('250m').sub(q('1')).toString()).toBe('-750m');
    expect(q('1Gi').neg().toString()).toBe('-1Gi');
    expect(q('512Mi').mul(2).toString()).toBe('1Gi');
    expect(q('100m').mul(3n).toString()).toBe('300m');
    expect(() => q('1').mul(1.5)).toThrow(RangeError);
  });

  it('compares across formats', () => {
    expect(q('1Gi').cmp(q('1024Mi'))).toBe(0);
    expect(q('1Gi').cmp(q('1G'))).toBe(1);
    expect(q('1G').cmp(q('1Gi'))).toBe(-1);
    expect(q('500m').cmp(q('0.5'))).toBe(0);
    expect(q('1e3').equal(q('1k'))).toBe(true);
    expect(q('-1').cmp(q('0'))).toBe(-1);
    expect(q('-1').sign()).toBe(-1);
    expect(q('0').sign()).toBe(0);
    expect(q('0').isZero()).toBe(true);
    expect(q('1n').isZero()).toBe(false);
  });

  it('never mutates its operands', () => {
    const a = q('1');
    const b = q('2');
    a.add(b);
    a.sub(b);
    a.neg();
    a.mul(5);
    expect(a.toString()).toBe('1');
    expect(b.toString()).toBe('2');
  });
});

describe('constructors', () => {
  it('fromValue, fromMilli and fromScaled print canonically', () => {
    expect(Quantity.fromValue(5).toString()).toBe('5');
    expect(Quantity.fromValue(5, 'BinarySI').toString()).toBe('5');
    expect(Quantity.fromValue(1073741824, 'BinarySI').toString()).toBe('1Gi');
    expect(Quantity.fromValue(10485760, 'BinarySI').toString()).toBe('10Mi');
    expect(Quantity.fromMilli(1500).toString()).toBe('1500m');
    expect(Quantity.fromMilli(2000).toString()).toBe('2');
    expect(Quantity.fromScaled(1234567, -9).toString()).toBe('1234567n');
    expect(Quantity.fromScaled(3, 3).toString()).toBe('3k');
    expect(Quantity.fromScaled(5n, -12).nanoValue()).toBe(1n);
    expect(Quantity.fromValue(1000, 'DecimalExponent').toString()).toBe('1e3');
    expect(Quantity.fromValue(7).withFormat('DecimalExponent').toString()).toBe('7');
  });

  it('rejects non-integers', () => {
    expect(() => Quantity.fromValue(1.5)).toThrow(RangeError);
    expect(() => Quantity.fromScaled(1, 0.5)).toThrow(RangeError);
  });
});

describe('quantityFromJson', () => {
  it('accepts strings (trimmed) and numbers as a decoded manifest holds them', () => {
    expect(quantityFromJson('  250m ').toString()).toBe('250m');
    expect(quantityFromJson(0.5).toString()).toBe('500m');
    expect(quantityFromJson(2).toString()).toBe('2');
    expect(quantityFromJson(1e21).toString()).toBe('1e21');
  });

  it('rejects other JSON values', () => {
    for (const v of [null, true, {}, [], Number.NaN, Infinity, undefined]) {
      expect(() => quantityFromJson(v)).toThrow(QuantityError);
    }
  });
});
