import { describe, expect, it } from 'vitest';
import {
  FieldSelector,
  InvalidFieldSelectorError,
  escapeFieldValue,
  fieldGetter,
  fieldSelectorFromSet,
  isInvalidFieldSelector,
  parseFieldSelector,
  unescapeFieldValue,
  type FieldRequirement,
} from './index.js';

describe('parseFieldSelector', () => {
  // [input, requirements, canonical text]
  const table: [string, FieldRequirement[], string][] = [
    ['', [], ''],
    [
      'metadata.name=web',
      [{ field: 'metadata.name', operator: '=', value: 'web' }],
      'metadata.name=web',
    ],
    ['a==b', [{ field: 'a', operator: '=', value: 'b' }], 'a=b'],
    ['a!=b', [{ field: 'a', operator: '!=', value: 'b' }], 'a!=b'],
    ['a=', [{ field: 'a', operator: '=', value: '' }], 'a='],
    ['a!=', [{ field: 'a', operator: '!=', value: '' }], 'a!='],
    ['=b', [{ field: '', operator: '=', value: 'b' }], '=b'],
    [
      'c!=d,a=b,e==f',
      [
        { field: 'a', operator: '=', value: 'b' },
        { field: 'c', operator: '!=', value: 'd' },
        { field: 'e', operator: '=', value: 'f' },
      ],
      'a=b,c!=d,e=f',
    ],
    [
      'a=b,,c=d',
      [
        { field: 'a', operator: '=', value: 'b' },
        { field: 'c', operator: '=', value: 'd' },
      ],
      'a=b,c=d',
    ],
    [',a=b,', [{ field: 'a', operator: '=', value: 'b' }], 'a=b'],
    ['a=x\\,y', [{ field: 'a', operator: '=', value: 'x,y' }], 'a=x\\,y'],
    ['a=x\\=y', [{ field: 'a', operator: '=', value: 'x=y' }], 'a=x\\=y'],
    ['a=x\\\\y', [{ field: 'a', operator: '=', value: 'x\\y' }], 'a=x\\\\y'],
    ['a=\\\\', [{ field: 'a', operator: '=', value: '\\' }], 'a=\\\\'],
    ['a= b ', [{ field: 'a', operator: '=', value: ' b ' }], 'a= b '],
    ['a=b!c', [{ field: 'a', operator: '=', value: 'b!c' }], 'a=b!c'],
    [
      'involvedObject.name=web,involvedObject.namespace=default,involvedObject.kind=Deployment,involvedObject.uid=1-2',
      [
        { field: 'involvedObject.kind', operator: '=', value: 'Deployment' },
        { field: 'involvedObject.name', operator: '=', value: 'web' },
        { field: 'involvedObject.namespace', operator: '=', value: 'default' },
        { field: 'involvedObject.uid', operator: '=', value: '1-2' },
      ],
      'involvedObject.kind=Deployment,involvedObject.name=web,involvedObject.namespace=default,involvedObject.uid=1-2',
    ],
  ];
  for (const [input, reqs, canonical] of table) {
    it(JSON.stringify(input), () => {
      const s = parseFieldSelector(input);
      expect(s.requirements()).toEqual(reqs);
      expect(s.toString()).toBe(canonical);
      expect(parseFieldSelector(canonical).requirements()).toEqual(reqs);
    });
  }

  const bad: [string, string][] = [
    ['a', "invalid selector: 'a'; can't understand 'a'"],
    ['a=b,c', "invalid selector: 'a=b,c'; can't understand 'c'"],
    ['a<b', "invalid selector: 'a<b'; can't understand 'a<b'"],
    ['a=b=c', 'invalid field selector: unescaped character in value: ='],
    ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
    ['a=b\\n', 'invalid field selector: invalid escape sequence: \\n'],
    ['a\\=b=c', 'invalid field selector: unescaped character in value: ='],
  ];
  for (const [input, message] of bad) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      let caught: unknown;
      try {
        parseFieldSelector(input);
      } catch (e) {
        caught = e;
      }
      expect(isInvalidFieldSelector(caught)).toBe(true);
      expect((caught as InvalidFieldSelectorError).message).toBe(message);
      expect((caught as Error).name).toBe('InvalidFieldSelectorError');
    });
  }
});

describe('FieldSelector.matches', () => {
  const pod = fieldGetter({
    'metadata.name': 'web-1',
    'metadata.namespace': 'default',
    'spec.nodeName': 'node1',
    'status.phase': 'Running',
  });
  const table: [string, boolean][] = [
    ['', true],
    ['metadata.name=web-1', true],
    ['metadata.name=web-2', false],
    ['metadata.name!=web-2', true],
    ['spec.nodeName=node1,status.phase!=Failed', true],
    ['spec.nodeName=node1,status.phase=Failed', false],
    ['spec.nodeName=', false],
    ['spec.schedulerName=', true],
    ['spec.schedulerName!=', false],
    ['constructor=', true],
  ];
  for (const [selector, want] of table) {
    it(`${JSON.stringify(selector)} → ${want}`, () => {
      expect(parseFieldSelector(selector).matches(pod)).toBe(want);
    });
  }

  it('nothing matches nothing; everything matches all', () => {
    expect(FieldSelector.nothing().matches(pod)).toBe(false);
    expect(FieldSelector.nothing().empty()).toBe(false);
    expect(FieldSelector.nothing().toString()).toBe('');
    expect(FieldSelector.everything().matches(pod)).toBe(true);
    expect(FieldSelector.everything().empty()).toBe(true);
  });
});

describe('index questions', () => {
  it('requiresExactMatch finds the first equality on a field', () => {
    const s = parseFieldSelector('spec.nodeName=node1,metadata.name!=x');
    expect(s.requiresExactMatch('spec.nodeName')).toBe('node1');
    expect(s.requiresExactMatch('metadata.name')).toBeUndefined();
    expect(s.requiresExactMatch('status.phase')).toBeUndefined();
    expect(parseFieldSelector('spec.nodeName=').requiresExactMatch('spec.nodeName')).toBe('');
  });

  it('onlyExactMatch is set only when field=value is the whole selector', () => {
    expect(parseFieldSelector('spec.nodeName=node1').onlyExactMatch('spec.nodeName')).toBe('node1');
    expect(parseFieldSelector('spec.nodeName==node1').onlyExactMatch('spec.nodeName')).toBe(
      'node1',
    );
    expect(
      parseFieldSelector('spec.nodeName=node1,spec.nodeName=node1').onlyExactMatch('spec.nodeName'),
    ).toBe('node1');
    expect(
      parseFieldSelector('spec.nodeName=node1,spec.nodeName=node2').onlyExactMatch('spec.nodeName'),
    ).toBeUndefined();
    expect(
      parseFieldSelector('spec.nodeName=node1,status.phase=Running').onlyExactMatch(
        'spec.nodeName',
      ),
    ).toBeUndefined();
    expect(
      parseFieldSelector('spec.nodeName!=node1').onlyExactMatch('spec.nodeName'),
    ).toBeUndefined();
    expect(parseFieldSelector('').onlyExactMatch('spec.nodeName')).toBeUndefined();
    expect(FieldSelector.nothing().onlyExactMatch('spec.nodeName')).toBeUndefined();
  });

  it('fields lists what the selector reads', () => {
    expect(parseFieldSelector('b=1,a=2,b!=3').fields()).toEqual(['a', 'b']);
  });
});

describe('transform', () => {
  it('rewrites fields, drops emptied terms and passes errors through', () => {
    const s = parseFieldSelector('name=web,spec.host=n1,x=y');
    const t = s.transform((field, value) => {
      if (field === 'name') return { field: 'metadata.name', value };
      if (field === 'spec.host') return { field: 'spec.nodeName', value };
      return { field: '', value: '' };
    });
    expect(t.toString()).toBe('metadata.name=web,spec.nodeName=n1');
    expect(s.toString()).toBe('name=web,spec.host=n1,x=y');
    expect(() =>
      s.transform(() => {
        throw new InvalidFieldSelectorError('field label not supported: name');
      }),
    ).toThrow('field label not supported: name');
  });
});

describe('escaping and sets', () => {
  const values = ['', 'plain', 'a,b', 'a=b', 'a\\b', '\\,=\\', 'ünï'];
  for (const v of values) {
    it(`round-trips ${JSON.stringify(v)}`, () => {
      expect(unescapeFieldValue(escapeFieldValue(v))).toBe(v);
      expect(fieldSelectorFromSet({ f: v }).matches(fieldGetter({ f: v }))).toBe(true);
      expect(parseFieldSelector(fieldSelectorFromSet({ f: v }).toString()).requirements()).toEqual([
        { field: 'f', operator: '=', value: v },
      ]);
    });
  }

  it('fieldSelectorFromSet sorts keys', () => {
    expect(fieldSelectorFromSet({ b: '2', a: '1' }).toString()).toBe('a=1,b=2');
    expect(fieldSelectorFromSet({}).empty()).toBe(true);
  });
});
