import { describe, expect, it } from 'vitest';
import { defaultSeccompProfile } from './seccomp.js';
import { DEFAULT_CAPABILITIES } from './security.js';

const denied = (caps: readonly string[]): string[] =>
  defaultSeccompProfile(caps)
    .syscalls?.filter((s) => !s.args)
    .flatMap((s) => s.names) ?? [];

describe('defaultSeccompProfile', () => {
  it('refuses kernel-reaching syscalls by default and allows the rest', () => {
    const p = defaultSeccompProfile(DEFAULT_CAPABILITIES);
    expect(p.defaultAction).toBe('SCMP_ACT_ALLOW');
    for (const name of [
      'mount',
      'unshare',
      'setns',
      'init_module',
      'reboot',
      'kexec_load',
      'bpf',
      'keyctl',
    ]) {
      expect(denied(DEFAULT_CAPABILITIES)).toContain(name);
    }
    expect(denied(DEFAULT_CAPABILITIES)).not.toContain('ptrace');
    expect(p.syscalls?.some((s) => s.names.includes('clone') && s.args)).toBe(true);
  });

  it('gives back the syscalls of an added capability', () => {
    const withAdmin = denied([...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN']);
    expect(withAdmin).not.toContain('mount');
    expect(withAdmin).toContain('reboot');
    expect(
      defaultSeccompProfile(['CAP_SYS_ADMIN']).syscalls?.some((s) => s.names.includes('clone')),
    ).toBe(false);
    expect(denied([...DEFAULT_CAPABILITIES, 'CAP_SYS_TIME'])).not.toContain('settimeofday');
  });
});
