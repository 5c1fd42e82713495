import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerConfig } from '../../proto/generated/tugboat/runtime/v1/ContainerConfig.js';
import { startShim, type ShimHarness } from './support/harness.js';
import { execText, runPod, startContainer } from './support/helpers.js';

/** statusField reads a field of /proc/1/status inside the container. */
async function statusField(h: ShimHarness, id: string, field: string): Promise<string> {
  const text = await execText(h, id, ['cat', '/proc/1/status']);
  const line = text.split('\n').find((l) => l.startsWith(`${field}:`));
  return line?.split(/\s+/)[1] ?? '';
}

/** sh runs a script in the container and returns its exit code and output. */
async function sh(
  h: ShimHarness,
  id: string,
  script: string,
): Promise<{ code: number; out: string }> {
  const r = await h.client.runtime.ExecSync({
    containerId: id,
    cmd: ['sh', '-c', script],
    timeout: 10,
  });
  return { code: r.exitCode, out: r.stdout.toString() + r.stderr.toString() };
}

// The default set (containerd's and Docker's): chown dac_override fowner fsetid kill setgid setuid
// setpcap net_bind_service net_raw sys_chroot mknod audit_write setfcap.
const DEFAULT_CAPS = '00000000a80425fb';

describe('secure by default, loosened by the security context', () => {
  let h: ShimHarness;
  let pod: Awaited<ReturnType<typeof runPod>>;
  const start = (name: string, extra: Partial<ContainerConfig> = {}): Promise<string> =>
    startContainer(h, pod, h.container(name, 'exec sleep 3600', extra));
  beforeAll(async () => {
    h = await startShim();
    pod = await runPod(h, 'sec');
  });
  afterAll(async () => {
    await h?.[Symbol.asyncDispose]();
  });

  it('gives a default container only the default capabilities, no_new_privs, seccomp and masked paths', async () => {
    const id = await start('default');
    expect(await statusField(h, id, 'CapEff')).toBe(DEFAULT_CAPS);
    expect(await statusField(h, id, 'CapBnd')).toBe(DEFAULT_CAPS);
    expect(await statusField(h, id, 'NoNewPrivs')).toBe('1');
    expect(await statusField(h, id, 'Seccomp')).toBe('2');
    // Masked: reads as empty.
    expect((await sh(h, id, 'wc -c < /proc/timer_list')).out.trim()).toBe('0');
    expect((await sh(h, id, 'ls /sys/firmware | wc -l')).out.trim()).toBe('0');
    // Read-only kernel knobs.
    const sysctl = await sh(h, id, 'echo 1 > /proc/sys/net/ipv4/ip_forward');
    expect(sysctl.code).not.toBe(0);
    expect(sysctl.out).toMatch(/Read-only file system/);
    // A user namespace would hand the process a fresh set of capabilities: seccomp refuses it.
    const userns = await sh(h, id, 'unshare -U true');
    expect(userns.code).not.toBe(0);
    expect(userns.out).toMatch(/Operation not permitted/);
    expect((await sh(h, id, 'mkdir -p /mnt; mount -t tmpfs none /mnt')).code).not.toBe(0);
    // The root filesystem is writable by default.
    expect((await sh(h, id, 'touch /written && echo ok')).out).toBe('ok\n');
  });

  it('honours readOnlyRootFilesystem, runAsUser and runAsGroup', async () => {
    const id = await start('ro', {
      linux: {
        securityContext: {
          readonlyRootfs: true,
          runAsUser: { value: 1000 },
          runAsGroup: { value: 2000 },
        },
      },
    });
    expect(await execText(h, id, ['id', '-u'])).toBe('1000\n');
    expect(await execText(h, id, ['id', '-g'])).toBe('2000\n');
    const w = await sh(h, id, 'touch /nope');
    expect(w.code).not.toBe(0);
    expect(w.out).toMatch(/Read-only file system/);
    // A non-root user keeps no effective capabilities.
    expect(await statusField(h, id, 'CapEff')).toBe('0000000000000000');

    const named = await start('named', { linux: { securityContext: { runAsUsername: 'app' } } });
    expect(await execText(h, named, ['id', '-u'])).toBe('1000\n');
    // `app` is listed in group `extra` (2000) in the image's /etc/group.
    expect(await execText(h, named, ['id', '-G'])).toBe('1000 2000\n');
  });

  it('adds and drops capabilities', async () => {
    const id = await start('caps', {
      linux: {
        securityContext: {
          capabilities: { addCapabilities: ['NET_ADMIN'], dropCapabilities: ['CAP_CHOWN'] },
        },
      },
    });
    const eff = BigInt('0x' + (await statusField(h, id, 'CapEff')));
    expect(eff & (1n << 12n)).not.toBe(0n); // NET_ADMIN
    expect(eff & 1n).toBe(0n); // CHOWN
    expect((await sh(h, id, 'ip link set lo mtu 1400 && echo ok')).out).toBe('ok\n');
    expect((await sh(h, id, 'touch /f && chown 1000 /f')).code).not.toBe(0);

    const none = await start('none', {
      linux: { securityContext: { capabilities: { dropCapabilities: ['ALL'] } } },
    });
    expect(await statusField(h, none, 'CapEff')).toBe('0000000000000000');
  });

  it('runs a privileged container with every capability and no seccomp', async () => {
    const id = await start('priv', { linux: { securityContext: { privileged: true } } });
    const eff = BigInt('0x' + (await statusField(h, id, 'CapEff')));
    expect(eff & (1n << 21n)).not.toBe(0n); // SYS_ADMIN
    expect(await statusField(h, id, 'Seccomp')).toBe('0');
    expect(await statusField(h, id, 'NoNewPrivs')).toBe('0');
    expect((await sh(h, id, 'mkdir -p /mnt && mount -t tmpfs none /mnt && echo ok')).out).toBe(
      'ok\n',
    );
  });
});
