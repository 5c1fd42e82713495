import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/wait.js';
import { cgroupDirs, readCgroupLayout } from '../../runtime-shim/cgroups/layout.js';
import {
  bridgePorts,
  chainHash,
  iptablesLines,
  ipamAllocations,
} from '../../runtime-shim/network/test-fixture.js';
import { pathExists } from '../../runtime-shim/util/fs.js';
import { mountsUnder, startShim, type ShimHarness } from './support/harness.js';
import { runPod, startContainer } from './support/helpers.js';

describe('pod networking and cleanup', () => {
  let h: ShimHarness;
  beforeAll(async () => {
    h = await startShim();
  });
  afterAll(async () => {
    await h?.[Symbol.asyncDispose]();
  });

  it('lets two pods reach each other by IP', async () => {
    const a = await runPod(h, 'a');
    const b = await runPod(h, 'b');
    const server = await startContainer(
      h,
      a,
      h.container(
        'srv',
        'mkdir -p /www && echo pod-a > /www/index.html && exec httpd -f -p 8080 -h /www',
      ),
    );
    const client = await startContainer(h, b, h.container('cli', 'exec sleep 3600'));
    const ipA =
      (await h.client.runtime.PodSandboxStatus({ podSandboxId: a.id })).status?.network?.ip ?? '';
    const ipB =
      (await h.client.runtime.PodSandboxStatus({ podSandboxId: b.id })).status?.network?.ip ?? '';
    expect(ipA).not.toBe(ipB);
    const body = await waitFor(
      async () => {
        const r = await h.client.runtime.ExecSync({
          containerId: client,
          cmd: ['wget', '-q', '-O', '-', `http://${ipA}:8080/`],
          timeout: 10,
        });
        return r.exitCode === 0 ? r.stdout.toString() : undefined;
      },
      { timeoutMs: 20_000, what: 'pod a reachable from pod b' },
    );
    expect(body).toBe('pod-a\n');
    // Port 8080 is pod a's alone: pod b's localhost does not have it.
    const local = await h.client.runtime.ExecSync({
      containerId: client,
      cmd: ['wget', '-q', '-O', '-', 'http://127.0.0.1:8080/'],
      timeout: 10,
    });
    expect(local.exitCode).not.toBe(0);
    expect(server).toBeTruthy();
  });

  it("runs a pod on the node's network (namespace_options.network NODE) without CNI", async () => {
    const pod = await runPod(h, 'hostnet', {
      linux: { securityContext: { namespaceOptions: { network: 'NODE' } } },
    });
    const st = await h.client.runtime.PodSandboxStatus({ podSandboxId: pod.id });
    expect(st.status?.network?.ip).toBe('');
    expect(st.status?.linux?.namespaces?.options?.network).toBe('NODE');
    const id = await startContainer(h, pod, h.container('c', 'exec sleep 3600'));
    // The shim's own interfaces, the test bridge among them, are visible.
    const links = await h.client.runtime.ExecSync({
      containerId: id,
      cmd: ['ip', '-o', 'link'],
      timeout: 10,
    });
    expect(links.stdout.toString()).toContain(h.net.bridge);
    const hosts = await h.client.runtime.ExecSync({
      containerId: id,
      cmd: ['cat', '/etc/hosts'],
      timeout: 10,
    });
    expect(hosts.stdout.toString()).toBe(await readFile('/etc/hosts', 'utf8'));
    await h.client.runtime.RemovePodSandbox({ podSandboxId: pod.id });
  });

  it('leaves nothing behind after RemovePodSandbox: mounts, netns, veth, iptables, IPs, cgroups, files', async () => {
    const layout = await readCgroupLayout();
    const pod = await runPod(h, 'gone', {
      portMappings: [
        {
          protocol: 'TCP',
          containerPort: 8080,
          hostPort: 30000 + Math.floor(Math.random() * 2000),
        },
      ],
    });
    const c1 = await startContainer(h, pod, h.container('one', 'exec sleep 3600'));
    const c2 = await startContainer(h, pod, h.container('two', 'exec sleep 3600'));
    const sb = await h.client.runtime.PodSandboxStatus({ podSandboxId: pod.id, verbose: true });
    const netns = JSON.parse(sb.info['netns'] ?? '""') as string;
    const ip = sb.status?.network?.ip ?? '';
    const podCgroup = JSON.parse(sb.info['cgroup'] ?? '""') as string;
    const hash = chainHash(h.net.networkName, pod.id);
    // While it runs, all of it exists.
    expect((await mountsUnder(h.root)).some((m) => m.includes(c1))).toBe(true);
    expect((await readFile('/proc/self/mountinfo', 'utf8')).includes(netns)).toBe(true);
    expect(await ipamAllocations(h.net.ipamDir)).toContain(ip);
    expect(await iptablesLines([hash])).not.toEqual([]);
    const portsBefore = await bridgePorts(h.net.bridge);
    expect(portsBefore.length).toBeGreaterThan(0);
    for (const d of cgroupDirs(layout, podCgroup)) expect(await pathExists(d)).toBe(true);

    await h.client.runtime.RemovePodSandbox({ podSandboxId: pod.id });

    const mounts = await mountsUnder(h.root);
    expect(mounts.filter((m) => m.includes(c1) || m.includes(c2))).toEqual([]);
    expect((await readFile('/proc/self/mountinfo', 'utf8')).includes(netns)).toBe(false);
    expect(await pathExists(netns)).toBe(false);
    expect(await ipamAllocations(h.net.ipamDir)).not.toContain(ip);
    expect(await iptablesLines([hash])).toEqual([]);
    expect((await bridgePorts(h.net.bridge)).length).toBe(portsBefore.length - 1);
    for (const d of cgroupDirs(layout, podCgroup)) expect(await pathExists(d)).toBe(false);
    expect(await pathExists(join(h.root, 'sandboxes', pod.id))).toBe(false);
    for (const c of [c1, c2]) {
      expect(await pathExists(join(h.root, 'containers', c))).toBe(false);
      expect(await pathExists(join(h.root, 'runtime', c))).toBe(false);
      expect(await pathExists(join(h.root, 'exits', c))).toBe(false);
    }
    expect(await readdir(join(h.root, 'runtime'))).not.toContain(c1);
  });
});
