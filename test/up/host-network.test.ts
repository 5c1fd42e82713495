import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  inNetns,
  planHostNetwork,
  setUpHostNetwork,
  tearDownHostNetwork,
  type HostNetwork,
} from '../../cli/up/host-network.js';

const exec = promisify(execFile);
const sh = async (cmd: string, args: string[]): Promise<string> => (await exec(cmd, args)).stdout;

/**
 * talk starts a one-shot TCP listener (busybox nc) in `serverNs` (undefined:
 * the root namespace) on ip:port and connects to it from `clientNs`, retrying
 * until the listener is up; resolves with what the client read.
 */
async function talk(
  serverNs: string | undefined,
  ip: string,
  clientNs: string,
  port: number,
): Promise<string> {
  const listen = ['nc', '-l', '-p', String(port), '-e', 'echo', `hello-${port}`];
  const listener = serverNs
    ? exec(...inNetns(serverNs, 'busybox', listen))
    : exec('busybox', listen);
  try {
    const [c, a] = inNetns(clientNs, 'busybox', [
      'sh',
      '-c',
      `for i in $(seq 50); do busybox nc ${ip} ${port} && exit 0; usleep 100000; done; exit 1`,
    ]);
    return (await exec(c, a)).stdout.trim();
  } finally {
    await listener.catch(() => {});
  }
}

describe('node hosts as network namespaces on a bridge (real ip, netns, iptables)', () => {
  let net: HostNetwork | undefined;
  afterEach(async () => {
    if (net) await tearDownHostNetwork(net);
    net = undefined;
  });

  it('connects node hosts to each other and to the gateway, idempotently, and leaves nothing after teardown', async () => {
    const name = `t${randomBytes(3).toString('hex')}`;
    net = planHostNetwork(
      name,
      `10.${210 + Math.floor(Math.random() * 40)}.${Math.floor(Math.random() * 250)}`,
      ['n1', 'n2'],
    );
    await setUpHostNetwork(net);
    await setUpHostNetwork(net); // idempotent: nothing fails, nothing doubles
    const [n1, n2] = net.nodes as [HostNetwork['nodes'][0], HostNetwork['nodes'][0]];
    expect(
      await sh(...inNetns(n1.netns, 'ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0'])),
    ).toContain(`${n1.ip}/24`);
    const port = 20000 + Math.floor(Math.random() * 20000);
    expect(await talk(n2.netns, n2.ip, n1.netns, port)).toBe(`hello-${port}`);
    expect(await talk(undefined, net.gateway, n2.netns, port + 1)).toBe(`hello-${port + 1}`);

    await tearDownHostNetwork(net);
    await tearDownHostNetwork(net); // idempotent
    const { bridge, comment } = net;
    net = undefined;
    await expect(sh('ip', ['link', 'show', bridge])).rejects.toThrow();
    for (const n of [n1, n2]) {
      await expect(sh('ip', ['link', 'show', n.hostIf])).rejects.toThrow();
      expect(
        (await sh('ip', ['netns', 'list']))
          .split('\n')
          .some((l) => l.startsWith(`${n.netns} `) || l === n.netns),
      ).toBe(false);
    }
    expect(await sh('iptables', ['-S', 'FORWARD'])).not.toContain(comment);
  });
});
