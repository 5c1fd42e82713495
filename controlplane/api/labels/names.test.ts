import { describe, expect, it } from 'vitest';
import { FieldPath } from '../field-path.js';
import {
  isDns1035Label,
  isDns1123Label,
  isDns1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  validateAnnotations,
  validateLabels,
} from './index.js';

const labelRegexMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const subdomainRegexMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const nameRegexMsg =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const valueRegexMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const dns1035Msg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

describe('isDns1123Label', () => {
  const table: [string, string[]][] = [
    ['a', []],
    ['my-name', []],
    ['123-abc', []],
    ['a'.repeat(63), []],
    ['a'.repeat(64), ['must be no more than 63 characters']],
    ['My-name', [labelRegexMsg]],
    ['-a', [labelRegexMsg]],
    ['a-', [labelRegexMsg]],
    ['', [labelRegexMsg]],
    ['a_b', [labelRegexMsg]],
    ['a.b', ['must not contain dots']],
    ['a\nb', [labelRegexMsg]],
    ['a\n', [labelRegexMsg]],
  ];
  for (const [v, want] of table) {
    it(JSON.stringify(v.length > 20 ? `${v.slice(0, 8)}…(${v.length})` : v), () => {
      expect(isDns1123Label(v)).toEqual(want);
    });
  }
});

describe('isDns1123Subdomain', () => {
  const table: [string, string[]][] = [
    ['example.com', []],
    ['a', []],
    ['a.b-c.d', []],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}`, []],
    ['Example.com', [subdomainRegexMsg]],
    ['a..b', [subdomainRegexMsg]],
    ['.a', [subdomainRegexMsg]],
    ['a.', [subdomainRegexMsg]],
    ['', [subdomainRegexMsg]],
    ['a'.repeat(254), ['must be no more than 253 characters']],
  ];
  for (const [v, want] of table) {
    it(JSON.stringify(v.length > 20 ? `${v.slice(0, 8)}…(${v.length})` : v), () => {
      expect(isDns1123Subdomain(v)).toEqual(want);
    });
  }
});

describe('isDns1035Label', () => {
  it('needs a leading letter', () => {
    expect(isDns1035Label('web')).toEqual([]);
    expect(isDns1035Label('web-1')).toEqual([]);
    expect(isDns1035Label('1web')).toEqual([dns1035Msg]);
    expect(isDns1035Label('a'.repeat(64))).toEqual(['must be no more than 63 characters']);
  });
});

describe('isQualifiedName', () => {
  const table: [string, string[]][] = [
    ['app', []],
    ['App_Name.v1', []],
    ['example.com/app', []],
    ['app.kubernetes.io/name', []],
    [
      'a/b/c',
      [
        `a qualified name ${nameRegexMsg} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
      ],
    ],
    ['/a', ['prefix part must be non-empty']],
    ['a/', ['name part must be non-empty', `name part ${nameRegexMsg}`]],
    ['', ['name part must be non-empty', `name part ${nameRegexMsg}`]],
    ['Example.com/app', [`prefix part ${subdomainRegexMsg}`]],
    ['_a', [`name part ${nameRegexMsg}`]],
    ['a b', [`name part ${nameRegexMsg}`]],
    ['k'.repeat(64), ['name part must be no more than 63 characters']],
  ];
  for (const [v, want] of table) {
    it(JSON.stringify(v), () => {
      expect(isQualifiedName(v)).toEqual(want);
    });
  }
});

describe('isValidLabelValue', () => {
  const table: [string, string[]][] = [
    ['', []],
    ['a', []],
    ['MyValue', []],
    ['my_value', []],
    ['1.2.3', []],
    ['v'.repeat(63), []],
    ['v'.repeat(64), ['must be no more than 63 characters']],
    ['a b', [valueRegexMsg]],
    ['-a', [valueRegexMsg]],
    ['a/b', [valueRegexMsg]],
    ['é', [valueRegexMsg]],
  ];
  for (const [v, want] of table) {
    it(JSON.stringify(v), () => {
      expect(isValidLabelValue(v)).toEqual(want);
    });
  }
});

describe('validateLabels and validateAnnotations', () => {
  const path = FieldPath.root('metadata').child('labels');

  it('accepts good labels and reports bad keys and values at the map path', () => {
    expect(validateLabels({ app: 'web', 'example.com/tier': '' }, path)).toEqual([]);
    expect(validateLabels(undefined, path)).toEqual([]);
    const errs = validateLabels({ 'bad key': 'v', good: 'bad value' }, path);
    expect(errs).toEqual([
      {
        type: 'FieldValueInvalid',
        field: 'metadata.labels',
        badValue: 'bad key',
        detail: `name part ${nameRegexMsg}`,
      },
      {
        type: 'FieldValueInvalid',
        field: 'metadata.labels',
        badValue: 'bad value',
        detail: valueRegexMsg,
      },
    ]);
  });

  it('treats annotation keys case-insensitively and caps their total size', () => {
    const ann = FieldPath.root('metadata').child('annotations');
    expect(validateAnnotations({ 'Example.COM/Thing': 'any value at all' }, ann)).toEqual([]);
    expect(validateAnnotations({ 'a/b/c': 'x' }, ann)[0]).toMatchObject({
      type: 'FieldValueInvalid',
      field: 'metadata.annotations',
      badValue: 'a/b/c',
    });
    const big = { a: 'x'.repeat(256 * 1024) };
    expect(validateAnnotations(big, ann)).toEqual([
      {
        type: 'FieldValueTooLong',
        field: 'metadata.annotations',
        detail: 'must have at most 262144 bytes',
      },
    ]);
    expect(validateAnnotations({ a: 'x'.repeat(256 * 1024 - 1) }, ann)).toEqual([]);
  });
});
