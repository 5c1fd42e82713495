import { describe, expect, it } from 'vitest';
import { containerArgs, containerEnv, normalizeSignal, validateSysctls } from './container-spec.js';

describe('containerArgs (Kubernetes command/args rules)', () => {
  const img = { entrypoint: ['/entry'], cmd: ['default'] };
  it.each([
    [[], [], ['/entry', 'default']],
    [[], ['a'], ['/entry', 'a']],
    [['/cmd'], [], ['/cmd']],
    [['/cmd'], ['a', 'b'], ['/cmd', 'a', 'b']],
  ])('command %o args %o → %o', (command, args, want) => {
    expect(containerArgs(command, args, img, 'img')).toEqual(want);
  });

  it('uses Cmd alone when there is no Entrypoint, and refuses when nothing is left', () => {
    expect(containerArgs([], [], { cmd: ['sh'] }, 'img')).toEqual(['sh']);
    expect(() => containerArgs([], [], {}, 'busybox')).toThrow(/no command.*busybox/);
  });
});

describe('containerEnv', () => {
  it('keeps image order, overrides by key, adds PATH and HOSTNAME', () => {
    expect(
      containerEnv(
        ['A=1', 'B=2', 'EMPTY='],
        [
          { key: 'B', value: 'x=y' },
          { key: 'C', value: '3' },
        ],
        'pod',
      ),
    ).toEqual([
      'A=1',
      'B=x=y',
      'EMPTY=',
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'HOSTNAME=pod',
      'C=3',
    ]);
    expect(containerEnv(['PATH=/bin'], [], undefined)).toEqual(['PATH=/bin']);
    expect(() => containerEnv([], [{ key: 'A=B', value: '' }], undefined)).toThrow(/envs\[0\]/);
  });
});

describe('normalizeSignal and validateSysctls', () => {
  it('normalises stop signals', () => {
    expect(normalizeSignal(undefined)).toBe('TERM');
    expect(normalizeSignal('SIGINT')).toBe('INT');
    expect(normalizeSignal('quit')).toBe('QUIT');
    expect(normalizeSignal('9')).toBe('9');
  });

  it('accepts namespaced sysctls only', () => {
    expect(() =>
      validateSysctls({ 'net.ipv4.ip_unprivileged_port_start': '0', 'kernel.shmmax': '1' }, false),
    ).not.toThrow();
    expect(() => validateSysctls({ 'vm.swappiness': '1' }, false)).toThrow(
      /not a namespaced sysctl/,
    );
    expect(() => validateSysctls({ 'net.core.somaxconn': '1' }, true)).toThrow(/node's network/);
  });
});
