import { describe, expect, it } from 'vitest';
import { FieldPath } from '../field-path.js';
import {
  InvalidSelectorError,
  Selector,
  isInvalidSelector,
  newRequirement,
  parseSelector,
  selectorFromLabelSelector,
  selectorFromSet,
  trySelectorFromLabelSelector,
  validateLabelSelector,
} from './index.js';

function parseError(text: string): InvalidSelectorError {
  try {
    parseSelector(text);
  } catch (e) {
    if (isInvalidSelector(e)) return e;
    throw e;
  }
  throw new Error(`${JSON.stringify(text)} parsed`);
}

describe('parseSelector accepts and prints canonically', () => {
  const table: [string, string][] = [
    ['', ''],
    ['   ', ''],
    ['x=a', 'x=a'],
    ['x=a,y=b,z=c', 'x=a,y=b,z=c'],
    ['z=c,x=a', 'x=a,z=c'],
    ['x==a', 'x==a'],
    ['x!=a', 'x!=a'],
    ['x in (b,a)', 'x in (a,b)'],
    ['x in (a,a,b)', 'x in (a,b)'],
    ['x notin (a)', 'x notin (a)'],
    ['x', 'x'],
    ['!x', '!x'],
    ['! x', '!x'],
    ['x>1', 'x>1'],
    ['x > 10', 'x>10'],
    ['  x = a  ,  y in ( b , c )  ', 'x=a,y in (b,c)'],
    ['\tx\n=\ra', 'x=a'],
    ['x=', 'x='],
    ['x=,y=a', 'x=,y=a'],
    ['x in ()', 'x in ()'],
    ['x in (,a)', 'x in (,a)'],
    ['x in (a,)', 'x in (,a)'],
    ['in in (in)', 'in in (in)'],
    ['notin=in', 'notin=in'],
    ['x=notin', 'x=notin'],
    ['example.com/app=web', 'example.com/app=web'],
    ['a=b,a!=c', 'a=b,a!=c'],
    ['app=web,!canary,tier in (front,back)', 'app=web,!canary,tier in (back,front)'],
    ['x,y', 'x,y'],
    ['env notin (dev,test),x', 'env notin (dev,test),x'],
    ['a.b-c_d=Value_1.x', 'a.b-c_d=Value_1.x'],
  ];
  for (const [input, canonical] of table) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(canonical)}`, () => {
      const s = parseSelector(input);
      expect(s.toString()).toBe(canonical);
      // The canonical form parses to itself.
      expect(parseSelector(canonical).toString()).toBe(canonical);
    });
  }

  it('an empty selector is empty and matches everything', () => {
    expect(parseSelector('').empty()).toBe(true);
    expect(parseSelector('').matches({ a: 'b' })).toBe(true);
    expect(parseSelector('x').empty()).toBe(false);
  });

  it('parsed requirements carry operator and values', () => {
    const reqs = parseSelector('x in (b,a),!y,z>3').requirements();
    expect(reqs).toEqual([
      { key: 'x', operator: 'in', values: ['a', 'b'] },
      { key: 'y', operator: '!', values: [] },
      { key: 'z', operator: 'gt', values: ['3'] },
    ]);
  });
});

describe('parseSelector rejects with apimachinery messages', () => {
  const keyMsg =
    "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
  const valueMsg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
  const table: [string, string][] = [
    ['x=a b', "found 'b', expected: ',' or 'end of string'"],
    ['x=a,', "found '', expected: identifier after ','"],
    ['x=a,,y=b', "found ',', expected: identifier after ','"],
    [',x', "found ',', expected: !, identifier, or 'end of string'"],
    ['=a', "found '=', expected: !, identifier, or 'end of string'"],
    ['x y', "unable to parse requirement: found 'y', expected: in, notin, =, ==, !=, gt, lt"],
    ['x!', "unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt"],
    ['x in a', "unable to parse requirement: found 'a' expected: '('"],
    ['x in (a', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['x in (a b)', "unable to parse requirement: found 'b', expected: ',' or ')'"],
    ['x in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ['x in (a,=)', "unable to parse requirement: found '=', expected: ',', or identifier"],
    ['x=(a)', "unable to parse requirement: found '(', expected: identifier"],
    ['!x=a', "found '=', expected: ',' or 'end of string'"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['!=a', "found '!=', expected: !, identifier, or 'end of string'"],
    ['x in (,,)', "unable to parse requirement: found ')', expected: ',', or identifier"],
    ['x<-1', `unable to parse requirement: values[0][x]: Invalid value: "-1": ${valueMsg}`],
    [
      'x>a',
      `unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer`,
    ],
    [
      'x>99999999999999999999',
      `unable to parse requirement: values[0]: Invalid value: "99999999999999999999": for 'Gt', 'Lt' operators, the value must be an integer`,
    ],
    ['a/b/c=d', `unable to parse requirement: Invalid value: "a/b/c": ${keyMsg}`],
    ['x=a@b', `unable to parse requirement: values[0][x]: Invalid value: "a@b": ${valueMsg}`],
    [
      `${'k'.repeat(64)}=v`,
      `unable to parse requirement: Invalid value: "${'k'.repeat(64)}": name part must be no more than 63 characters`,
    ],
  ];
  for (const [input, message] of table) {
    it(`${JSON.stringify(input)}`, () => {
      const e = parseError(input);
      expect(e.message).toBe(message);
      expect(e.name).toBe('InvalidSelectorError');
    });
  }

  it('carries field errors for invalid values', () => {
    const e = parseError('x in (ok,b@d)');
    expect(e.fieldErrors).toHaveLength(1);
    // Parsed values are sorted, so the bad one is first.
    expect(e.fieldErrors[0]).toMatchObject({ type: 'FieldValueInvalid', field: 'values[0][x]' });
  });
});

describe('Selector.matches', () => {
  // [selector, labels, matches]
  const table: [string, Record<string, string> | undefined, boolean][] = [
    ['x=a', { x: 'a' }, true],
    ['x=a', { x: 'b' }, false],
    ['x=a', {}, false],
    ['x=a', undefined, false],
    ['x==a', { x: 'a', y: 'b' }, true],
    ['x=', { x: '' }, true],
    ['x=', {}, false],
    ['x!=a', {}, true],
    ['x!=a', { x: 'a' }, false],
    ['x!=a', { x: 'b' }, true],
    ['x in (a,b)', { x: 'b' }, true],
    ['x in (a,b)', { x: 'c' }, false],
    ['x in (a,b)', {}, false],
    ['x notin (a,b)', {}, true],
    ['x notin (a,b)', { x: 'a' }, false],
    ['x notin (a,b)', { x: 'c' }, true],
    ['x', { x: '' }, true],
    ['x', { y: 'x' }, false],
    ['!x', {}, true],
    ['!x', { x: 'a' }, false],
    ['x>1', { x: '2' }, true],
    ['x>1', { x: '1' }, false],
    ['x>1', { x: 'a' }, false],
    ['x>1', {}, false],
    ['x<1', { x: '-5' }, true],
    ['x<1', { x: '+0' }, true],
    ['x>9223372036854775806', { x: '9223372036854775807' }, true],
    ['x<9223372036854775807', { x: '9223372036854775808' }, false],
    ['app=web,tier in (front)', { app: 'web', tier: 'front' }, true],
    ['app=web,tier in (front)', { app: 'web', tier: 'back' }, false],
    ['app=web,!canary', { app: 'web', canary: 'true' }, false],
    ['', undefined, true],
  ];
  for (const [selector, labels, want] of table) {
    it(`${JSON.stringify(selector)} on ${JSON.stringify(labels)} → ${want}`, () => {
      expect(parseSelector(selector).matches(labels)).toBe(want);
    });
  }

  it('does not see inherited properties as labels', () => {
    expect(parseSelector('constructor').matches({})).toBe(false);
    expect(parseSelector('!toString').matches({})).toBe(true);
  });
});

describe('requiresExactMatch and add', () => {
  it('finds the single value a key must have', () => {
    expect(parseSelector('app=web,x!=y').requiresExactMatch('app')).toBe('web');
    expect(parseSelector('app==web').requiresExactMatch('app')).toBe('web');
    expect(parseSelector('app in (web)').requiresExactMatch('app')).toBe('web');
    expect(parseSelector('app in (a,b)').requiresExactMatch('app')).toBeUndefined();
    expect(parseSelector('app!=web').requiresExactMatch('app')).toBeUndefined();
    expect(parseSelector('tier=x').requiresExactMatch('app')).toBeUndefined();
  });

  it('add keeps requirements sorted and leaves the original alone', () => {
    const a = parseSelector('b=1');
    const b = a.add(newRequirement('a', 'exists', []));
    expect(a.toString()).toBe('b=1');
    expect(b.toString()).toBe('a,b=1');
    expect(
      Selector.nothing()
        .add(newRequirement('a', 'exists', []))
        .isNothing(),
    ).toBe(true);
  });
});

describe('newRequirement validation', () => {
  const table: [string, Parameters<typeof newRequirement>, string][] = [
    [
      'in without values',
      ['x', 'in', []],
      "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty",
    ],
    [
      '= with two values',
      ['x', '=', ['a', 'b']],
      'values: Invalid value: ["a","b"]: exact-match compatibility requires one single value',
    ],
    [
      'exists with a value',
      ['x', 'exists', ['a']],
      'values: Invalid value: ["a"]: values set must be empty for exists and does not exist',
    ],
    [
      'gt with two values',
      ['x', 'gt', ['1', '2']],
      `values: Invalid value: ["1","2"]: for 'Gt', 'Lt' operators, exactly one value is required`,
    ],
    ['bad key', ['-x', '=', ['a']], 'key: Invalid value: "-x": name part must consist of'],
  ];
  for (const [name, args, message] of table) {
    it(name, () => {
      expect(() => newRequirement(...args)).toThrow(message);
    });
  }

  it('aggregates several problems like apimachinery', () => {
    expect(() => newRequirement('-x', 'in', [], FieldPath.root('spec'))).toThrow(
      /^\[spec\.key: Invalid value: "-x": .*, spec\.values: Invalid value: \[\]: .*\]$/,
    );
  });
});

describe('selectorFromLabelSelector', () => {
  it('a missing selector matches nothing; an empty one everything', () => {
    const none = selectorFromLabelSelector(undefined);
    expect(none.matches({})).toBe(false);
    expect(none.empty()).toBe(false);
    expect(none.toString()).toBe('');
    expect(selectorFromLabelSelector(null).isNothing()).toBe(true);
    const all = selectorFromLabelSelector({});
    expect(all.matches({ any: 'thing' })).toBe(true);
    expect(all.empty()).toBe(true);
    expect(selectorFromLabelSelector({ matchLabels: {}, matchExpressions: [] }).empty()).toBe(true);
  });

  it('ANDs matchLabels and matchExpressions in canonical order (the Scale status.selector)', () => {
    const s = selectorFromLabelSelector({
      matchLabels: { tier: 'fe', app: 'web' },
      matchExpressions: [
        { key: 'track', operator: 'NotIn', values: ['canary'] },
        { key: 'env', operator: 'In', values: ['prod', 'dev'] },
        { key: 'legacy', operator: 'DoesNotExist' },
        { key: 'owner', operator: 'Exists' },
      ],
    });
    expect(s.toString()).toBe(
      'app=web,env in (dev,prod),!legacy,owner,tier=fe,track notin (canary)',
    );
    expect(s.matches({ app: 'web', tier: 'fe', env: 'dev', owner: 'me' })).toBe(true);
    expect(s.matches({ app: 'web', tier: 'fe', env: 'dev', owner: 'me', legacy: 'y' })).toBe(false);
    expect(s.matches({ app: 'web', tier: 'fe', env: 'qa', owner: 'me' })).toBe(false);
    expect(s.matches({ app: 'web', tier: 'fe', env: 'dev', owner: 'me', track: 'canary' })).toBe(
      false,
    );
    expect(selectorFromLabelSelector({ matchLabels: { app: 'web' } }).toString()).toBe('app=web');
  });

  it('throws typed errors for invalid selectors', () => {
    expect(() =>
      selectorFromLabelSelector({
        matchExpressions: [{ key: 'x', operator: 'Foo' as 'In', values: ['a'] }],
      }),
    ).toThrow('"Foo" is not a valid label selector operator');
    const bad = trySelectorFromLabelSelector({ matchExpressions: [{ key: 'x', operator: 'In' }] });
    expect(bad).toBeInstanceOf(InvalidSelectorError);
    expect((bad as InvalidSelectorError).fieldErrors[0]?.field).toBe('values');
    const badValue = trySelectorFromLabelSelector({ matchLabels: { app: 'no spaces' } });
    expect((badValue as InvalidSelectorError).fieldErrors[0]?.field).toBe('values[0][app]');
  });

  it('selectorFromSet builds equality requirements', () => {
    expect(selectorFromSet({ b: '2', a: '1' }).toString()).toBe('a=1,b=2');
    expect(selectorFromSet(undefined).empty()).toBe(true);
    expect(selectorFromSet({}).empty()).toBe(true);
    expect(() => selectorFromSet({ 'a b': 'c' })).toThrow(InvalidSelectorError);
  });
});

describe('validateLabelSelector', () => {
  const path = FieldPath.root('spec').child('selector');

  it('accepts a good selector', () => {
    expect(
      validateLabelSelector(
        {
          matchLabels: { app: 'web' },
          matchExpressions: [
            { key: 'env', operator: 'In', values: ['a'] },
            { key: 'x', operator: 'Exists' },
          ],
        },
        path,
      ),
    ).toEqual([]);
    expect(validateLabelSelector(undefined, path)).toEqual([]);
  });

  it('reports each problem at its path', () => {
    const errs = validateLabelSelector(
      {
        matchLabels: { 'bad key': 'v', ok: 'bad value' },
        matchExpressions: [
          { key: 'env', operator: 'In' },
          { key: 'x', operator: 'Exists', values: ['a'] },
          { key: 'y', operator: 'Nope' as 'In', values: ['a'] },
          { key: '', operator: 'NotIn', values: ['$'] },
        ],
      },
      path,
    );
    expect(errs.map((e) => [e.type, e.field])).toEqual([
      ['FieldValueInvalid', 'spec.selector.matchLabels'],
      ['FieldValueInvalid', 'spec.selector.matchLabels'],
      ['FieldValueRequired', 'spec.selector.matchExpressions[0].values'],
      ['FieldValueForbidden', 'spec.selector.matchExpressions[1].values'],
      ['FieldValueInvalid', 'spec.selector.matchExpressions[2].operator'],
      ['FieldValueInvalid', 'spec.selector.matchExpressions[3].key'],
      ['FieldValueInvalid', 'spec.selector.matchExpressions[3].key'],
      ['FieldValueInvalid', 'spec.selector.matchExpressions[3].values[0]'],
    ]);
    expect(errs[2]?.detail).toBe("must be specified when `operator` is 'In' or 'NotIn'");
    expect(errs[3]?.detail).toBe(
      "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    );
  });
});
