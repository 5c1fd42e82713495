import { describe, expect, it } from 'vitest';
import {
  PatchApplyError,
  PatchFormatError,
  applyJsonPatch,
  isPatchApplyError,
  isPatchFormatError,
  parsePointer,
  patchErrorToStatus,
  type JsonValue,
} from './index.js';

describe('applyJsonPatch (RFC 6902 appendix A)', () => {
  // [name, document, patch, result]
  const table: [string, JsonValue, JsonValue, JsonValue][] = [
    [
      'add an object member',
      { foo: 'bar' },
      [{ op: 'add', path: '/baz', value: 'qux' }],
      { baz: 'qux', foo: 'bar' },
    ],
    [
      'add an array element',
      { foo: ['bar', 'baz'] },
      [{ op: 'add', path: '/foo/1', value: 'qux' }],
      { foo: ['bar', 'qux', 'baz'] },
    ],
    [
      'remove an object member',
      { baz: 'qux', foo: 'bar' },
      [{ op: 'remove', path: '/baz' }],
      { foo: 'bar' },
    ],
    [
      'remove an array element',
      { foo: ['bar', 'qux', 'baz'] },
      [{ op: 'remove', path: '/foo/1' }],
      { foo: ['bar', 'baz'] },
    ],
    [
      'replace a value',
      { baz: 'qux', foo: 'bar' },
      [{ op: 'replace', path: '/baz', value: 'boo' }],
      { baz: 'boo', foo: 'bar' },
    ],
    [
      'move a value',
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    ],
    [
      'move an array element',
      { foo: ['all', 'grass', 'cows', 'eat'] },
      [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
      { foo: ['all', 'cows', 'eat', 'grass'] },
    ],
    [
      'test a value',
      { baz: 'qux', foo: ['a', 2, 'c'] },
      [
        { op: 'test', path: '/baz', value: 'qux' },
        { op: 'test', path: '/foo/1', value: 2 },
      ],
      { baz: 'qux', foo: ['a', 2, 'c'] },
    ],
    [
      'add a nested member object',
      { foo: 'bar' },
      [{ op: 'add', path: '/child', value: { grandchild: {} } }],
      { foo: 'bar', child: { grandchild: {} } },
    ],
    [
      'add an array value',
      { foo: ['bar'] },
      [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }],
      { foo: ['bar', ['abc', 'def']] },
    ],
    [
      'escaped keys',
      { '/': 9, '~1': 10 },
      [
        { op: 'test', path: '/~01', value: 10 },
        { op: 'replace', path: '/~1', value: 1 },
      ],
      { '/': 1, '~1': 10 },
    ],
    [
      'copy deep',
      { a: { b: [1] } },
      [
        { op: 'copy', from: '/a', path: '/c' },
        { op: 'add', path: '/c/b/-', value: 2 },
      ],
      { a: { b: [1] }, c: { b: [1, 2] } },
    ],
    ['replace the root', { a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }], { b: 2 }],
    ['add at the end index', { a: [1] }, [{ op: 'add', path: '/a/1', value: 2 }], { a: [1, 2] }],
    [
      'test null and deep values',
      { a: null, b: { c: [1, { d: true }] } },
      [
        { op: 'test', path: '/a', value: null },
        { op: 'test', path: '/b', value: { c: [1, { d: true }] } },
      ],
      { a: null, b: { c: [1, { d: true }] } },
    ],
    ['move to the same place', { a: 1 }, [{ op: 'move', from: '/a', path: '/a' }], { a: 1 }],
    ['add null', { a: 1 }, [{ op: 'add', path: '/b', value: null }], { a: 1, b: null }],
    [
      'kubectl-style scale',
      { spec: { replicas: 1 }, metadata: { labels: { app: 'web' } } },
      [
        { op: 'replace', path: '/spec/replicas', value: 3 },
        { op: 'add', path: '/metadata/labels/tier', value: 'fe' },
        { op: 'remove', path: '/metadata/labels/app' },
      ],
      { spec: { replicas: 3 }, metadata: { labels: { tier: 'fe' } } },
    ],
  ];
  for (const [name, doc, patch, result] of table) {
    it(name, () => {
      const before = JSON.stringify(doc);
      expect(applyJsonPatch(doc, patch)).toEqual(result);
      expect(JSON.stringify(doc)).toBe(before);
    });
  }
});

describe('applyJsonPatch failures', () => {
  // Malformed patch documents: 400.
  const malformed: [string, JsonValue, RegExp][] = [
    ['not an array', { op: 'add' }, /must be an array/],
    ['an op that is not an object', [1], /operation 0 is not an object/],
    ['an unknown op', [{ op: 'frob', path: '/a' }], /operation 0 has an unknown op "frob"/],
    ['a missing op', [{ path: '/a' }], /operation 0 has an unknown op null/],
    ['a missing path', [{ op: 'remove' }], /operation 0 \(remove\) has no path/],
    ['add without a value', [{ op: 'add', path: '/a' }], /operation 0 \(add \/a\) has no value/],
    ['test without a value', [{ op: 'test', path: '/a' }], /has no value/],
    ['move without from', [{ op: 'move', path: '/a' }], /operation 0 \(move \/a\) has no from/],
    ['a path without a slash', [{ op: 'remove', path: 'a' }], /must start with '\/'/],
    ['a bad escape', [{ op: 'remove', path: '/a~2' }], /invalid escape/],
    [
      'moving into a child',
      [{ op: 'move', from: '/a', path: '/a/b' }],
      /into one of its own children/,
    ],
    [
      'the second op malformed',
      [
        { op: 'test', path: '', value: 1 },
        { op: 'copy', path: '/x' },
      ],
      /operation 1 \(copy \/x\) has no from/,
    ],
  ];
  for (const [name, patch, message] of malformed) {
    it(`400: ${name}`, () => {
      let caught: unknown;
      try {
        applyJsonPatch({ a: { b: 1 } }, patch);
      } catch (e) {
        caught = e;
      }
      expect(isPatchFormatError(caught)).toBe(true);
      expect((caught as PatchFormatError).code).toBe(400);
      expect((caught as Error).message).toMatch(message);
    });
  }

  // Well-formed patches that do not apply to this document: 422.
  const doc = { a: { b: 1 }, list: [1, 2], s: 'x' };
  const unappliable: [string, JsonValue, string][] = [
    [
      'remove a missing key',
      [{ op: 'remove', path: '/nope' }],
      'json patch operation 0 (remove /nope) does not apply: doc is missing key "nope"',
    ],
    [
      'replace a missing key',
      [{ op: 'replace', path: '/a/c', value: 1 }],
      'json patch operation 0 (replace /a/c) does not apply: doc is missing key "c"',
    ],
    [
      'add under a missing parent',
      [{ op: 'add', path: '/x/y', value: 1 }],
      'json patch operation 0 (add /x/y) does not apply: doc is missing path',
    ],
    [
      'add past the end',
      [{ op: 'add', path: '/list/3', value: 1 }],
      'json patch operation 0 (add /list/3) does not apply: index 3 is out of bounds (array length 2)',
    ],
    [
      'remove past the end',
      [{ op: 'remove', path: '/list/2' }],
      'json patch operation 0 (remove /list/2) does not apply: index 2 is out of bounds (array length 2)',
    ],
    [
      'replace at -',
      [{ op: 'replace', path: '/list/-', value: 1 }],
      'json patch operation 0 (replace /list/-) does not apply: "-" is not an array index',
    ],
    [
      'a negative index',
      [{ op: 'remove', path: '/list/-1' }],
      'json patch operation 0 (remove /list/-1) does not apply: "-1" is not an array index',
    ],
    [
      'a leading zero',
      [{ op: 'remove', path: '/list/01' }],
      'json patch operation 0 (remove /list/01) does not apply: "01" is not an array index',
    ],
    [
      'a failing test',
      [{ op: 'test', path: '/a/b', value: 2 }],
      'json patch operation 0 (test /a/b) does not apply: test failed: the value differs',
    ],
    [
      'a test of a missing path',
      [{ op: 'test', path: '/zz', value: null }],
      'json patch operation 0 (test /zz) does not apply: doc is missing path',
    ],
    [
      'add into a string',
      [{ op: 'add', path: '/s/x', value: 1 }],
      'json patch operation 0 (add /s/x) does not apply: the parent is a string, not an object or array',
    ],
    [
      'move from a missing path',
      [{ op: 'move', from: '/q', path: '/r' }],
      'json patch operation 0 (move /q to /r) does not apply: doc is missing from path "/q"',
    ],
    [
      'copy from a missing path',
      [{ op: 'copy', from: '/q', path: '/r' }],
      'json patch operation 0 (copy /q to /r) does not apply: doc is missing from path "/q"',
    ],
    [
      'remove the root',
      [{ op: 'remove', path: '' }],
      'json patch operation 0 (remove ) does not apply: cannot remove the whole document',
    ],
    [
      'the third op',
      [
        { op: 'add', path: '/n', value: 1 },
        { op: 'test', path: '/n', value: 1 },
        { op: 'remove', path: '/n/x' },
      ],
      'json patch operation 2 (remove /n/x) does not apply: the parent is a number, not an object or array',
    ],
  ];
  for (const [name, patch, message] of unappliable) {
    it(`422: ${name}`, () => {
      const before = JSON.stringify(doc);
      let caught: unknown;
      try {
        applyJsonPatch(doc, patch);
      } catch (e) {
        caught = e;
      }
      expect(isPatchApplyError(caught)).toBe(true);
      expect((caught as PatchApplyError).code).toBe(422);
      expect((caught as Error).message).toBe(message);
      // A failure part-way leaves the input untouched.
      expect(JSON.stringify(doc)).toBe(before);
    });
  }

  it('becomes the Status the API server answers', () => {
    const bad = patchErrorToStatus(new PatchFormatError('bad'));
    expect(bad.status).toMatchObject({ code: 400, reason: 'BadRequest', message: 'bad' });
    const unfit = patchErrorToStatus(new PatchApplyError('unfit'));
    expect(unfit.status).toMatchObject({
      code: 422,
      reason: 'Invalid',
      message: 'unfit',
      details: { causes: [{ reason: 'UnexpectedServerResponse', message: 'unfit' }] },
    });
  });
});

describe('parsePointer', () => {
  const table: [string, string[]][] = [
    ['', []],
    ['/', ['']],
    ['/a/b', ['a', 'b']],
    ['/a~1b', ['a/b']],
    ['/m~0n', ['m~n']],
    ['/~01', ['~1']],
    ['/a//b', ['a', '', 'b']],
  ];
  for (const [p, tokens] of table) {
    it(JSON.stringify(p), () => expect(parsePointer(p)).toEqual(tokens));
  }
});
