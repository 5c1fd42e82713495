import { describe, expect, it } from 'vitest';
import { isInvalidImageRef } from './errors.js';
import { familiarImageRef, normalizeImageRef, parseImageRef } from './reference.js';

const hex = 'a'.repeat(64);

describe('normalizeImageRef', () => {
  it.each([
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:1.35', 'docker.io/library/busybox:1.35'],
    ['library/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['index.docker.io/busybox:1', 'docker.io/library/busybox:1'],
    ['docker.io/library/busybox:latest', 'docker.io/library/busybox:latest'],
    ['user/app', 'docker.io/user/app:latest'],
    ['tugboat/webserver:2', 'docker.io/tugboat/webserver:2'],
    ['a/b/c', 'docker.io/a/b/c:latest'],
    ['localhost/x', 'localhost/x:latest'],
    ['localhost:5000/x:1', 'localhost:5000/x:1'],
    ['registry.example.com/team/app:v1.2_3', 'registry.example.com/team/app:v1.2_3'],
    ['127.0.0.1:5000/x', '127.0.0.1:5000/x:latest'],
    ['[::1]:5000/x', '[::1]:5000/x:latest'],
    ['Registry.Local/x', 'Registry.Local/x:latest'],
    ['my-app__x.y', 'docker.io/library/my-app__x.y:latest'],
    ['localhost:5000', 'docker.io/library/localhost:5000'],
    [`busybox@sha256:${hex}`, `docker.io/library/busybox@sha256:${hex}`],
    [`busybox:1.35@sha256:${hex}`, `docker.io/library/busybox:1.35@sha256:${hex}`],
    [`localhost:5000/x@sha256:${hex}`, `localhost:5000/x@sha256:${hex}`],
  ])('%s → %s', (input, want) => {
    expect(normalizeImageRef(input)).toBe(want);
  });

  it.each([
    ['', 'empty'],
    ['Busybox', 'uppercase repository'],
    ['user/App', 'uppercase repository'],
    [hex, 'bare 64-hex id'],
    ['busybox:', 'empty tag'],
    ['busybox:-x', 'tag starting with a dash'],
    [`busybox:${'t'.repeat(129)}`, 'tag over 128 chars'],
    ['busybox@sha256:abc', 'short digest'],
    [`busybox@sha256:${'A'.repeat(64)}`, 'uppercase digest'],
    [`busybox@md5:${'a'.repeat(32)}`, 'unsupported algorithm'],
    ['busybox@', 'empty digest'],
    ['/busybox', 'empty component'],
    ['busybox/', 'trailing slash'],
    ['a//b', 'double slash'],
    ['-app', 'leading separator'],
    ['app-', 'trailing separator'],
    ['a..b', 'double dot'],
    ['a b', 'space'],
    ['localhost:5000/', 'no repository'],
    ['bad_host.com/x', 'underscore in registry'],
    [`x/${'a'.repeat(260)}`, 'over 255 chars'],
  ])('refuses %j (%s)', (input) => {
    let caught: unknown;
    try {
      normalizeImageRef(input);
    } catch (e) {
      caught = e;
    }
    expect(isInvalidImageRef(caught)).toBe(true);
  });
});

describe('parseImageRef', () => {
  it('splits domain, path, tag and digest', () => {
    expect(parseImageRef(`localhost:5000/a/b:1@sha256:${hex}`)).toEqual({
      domain: 'localhost:5000',
      path: 'a/b',
      tag: '1',
      digest: `sha256:${hex}`,
    });
    expect(parseImageRef('busybox')).toEqual({ domain: 'docker.io', path: 'library/busybox' });
  });
});

describe('familiarImageRef', () => {
  it.each([
    ['docker.io/library/busybox:latest', 'busybox:latest'],
    ['docker.io/tugboat/webserver:1', 'tugboat/webserver:1'],
    ['localhost:5000/x:1', 'localhost:5000/x:1'],
    ['docker.io/library/a/b:1', 'library/a/b:1'],
  ])('%s → %s', (input, want) => {
    expect(familiarImageRef(input)).toBe(want);
  });
});
