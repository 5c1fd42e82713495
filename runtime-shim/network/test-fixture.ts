/**
 * Test support for code that needs real pod networks (this folder's tests and
 * the shim's): a throwaway CNI network with its own bridge name, a free
 * 10.200.X.0/24 subnet, conf/state dirs, and helpers to look at what the
 * plugins did. Not for product code.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../lib/log.js';
import { waitFor } from '../../lib/wait.js';
import { writeBridgeConfig } from './bridge-config.js';
import { CniNetwork } from './cni-network.js';
import { removePinnedNetns } from './netns.js';

const claimDir = join(tmpdir(), 'tug-cni-test-subnets');

/** sh runs a command (inside `netns` when given, via nsenter) and resolves with its stdout. */
export function sh(cmd: string, args: string[], netns?: string): Promise<string> {
  const [file, argv] = netns ? ['nsenter', [`--net=${netns}`, '--', cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    execFile(file, argv, { timeout: 30_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err)
        reject(
          new Error(`${cmd} ${args.join(' ')}: ${stderr.trim() || err.message}`, { cause: err }),
        );
      else resolve(stdout);
    });
  });
}

/** TestNetwork is one throwaway network; dispose tears down everything it made, also after failures. */
export interface TestNetwork extends AsyncDisposable {
  network: CniNetwork;
  networkName: string;
  bridge: string;
  subnet: string;
  /** prefix is the subnet's first three octets with a trailing dot (`10.200.17.`). */
  prefix: string;
  gateway: string;
  dir: string;
  confDir: string;
  stateDir: string;
  /** ipamDir is host-local's dir for this network (its allocation files are named by IP). */
  ipamDir: string;
  hostNetns: string | undefined;
  /** newNetwork is another CniNetwork over the same dirs, as a restarted shim would make. */
  newNetwork(): CniNetwork;
}

export interface TestNetworkOptions {
  /** hostNetns runs the plugins (bridge, iptables) inside this netns; the root netns when absent. */
  hostNetns?: string;
  /** subnetThirdOctet forces 10.200.N.0/24 (e.g. for a multi-host layout); picked at random otherwise. */
  subnetThirdOctet?: number;
  ipMasq?: boolean;
  logger?: Logger;
  pluginTimeoutMs?: number;
}

/**
 * makeTestNetwork claims a 10.200.X.0/24 no route on the machine uses (and
 * no other test holds: claims are exclusive files under the temp dir), writes
 * a bridge + portmap conflist with a unique bridge name and returns a
 * CniNetwork over temp dirs.
 */
export async function makeTestNetwork(opts: TestNetworkOptions = {}): Promise<TestNetwork> {
  const tag = randomBytes(3).toString('hex');
  const octet = await claimSubnet(opts.hostNetns, opts.subnetThirdOctet);
  const prefix = `10.200.${octet}.`;
  const dir = await mkdtemp(join(tmpdir(), `tug-cni-${tag}-`));
  const networkName = `tugt-${tag}`;
  const bridge = `tugt${tag}`;
  const confDir = join(dir, 'net.d');
  const stateDir = join(dir, 'state');
  const ipamRoot = join(dir, 'ipam');
  const make = (): CniNetwork =>
    new CniNetwork({
      confDir,
      stateDir,
      ...(opts.logger ? { logger: opts.logger } : {}),
      ...(opts.hostNetns ? { hostNetns: opts.hostNetns } : {}),
      ...(opts.pluginTimeoutMs ? { pluginTimeoutMs: opts.pluginTimeoutMs } : {}),
    });
  const t: TestNetwork = {
    network: make(),
    networkName,
    bridge,
    subnet: `${prefix}0/24`,
    prefix,
    gateway: `${prefix}1`,
    dir,
    confDir,
    stateDir,
    ipamDir: join(ipamRoot, networkName),
    hostNetns: opts.hostNetns,
    newNetwork: make,
    [Symbol.asyncDispose]: async () => {
      try {
        await t.network.reconcile(new Set()).catch(() => {});
        // Whatever reconcile could not remove (a failed DEL) must still not outlive the test.
        const pins = await readdir(join(stateDir, 'netns')).catch(() => [] as string[]);
        for (const p of pins) await removePinnedNetns(join(stateDir, 'netns', p)).catch(() => {});
        await sh('ip', ['link', 'del', bridge], opts.hostNetns).catch(() => {});
        await rm(dir, { recursive: true, force: true });
      } finally {
        await unlink(join(claimDir, String(octet))).catch(() => {});
      }
    },
  };
  try {
    await writeBridgeConfig(confDir, {
      networkName,
      bridge,
      subnet: t.subnet,
      dataDir: ipamRoot,
      ...(opts.ipMasq !== undefined ? { ipMasq: opts.ipMasq } : {}),
    });
  } catch (e) {
    await t[Symbol.asyncDispose]();
    throw e;
  }
  return t;
}

async function claimSubnet(netns: string | undefined, fixed: number | undefined): Promise<number> {
  await mkdir(claimDir, { recursive: true });
  for (let attempt = 0; attempt < 100; attempt++) {
    const octet = fixed ?? 1 + ((randomBytes(1)[0] ?? 0) % 254);
    const routes = await sh('ip', ['-4', 'route', 'show', 'table', 'all'], netns);
    if (!routes.includes(`10.200.${octet}.`)) {
      try {
        await writeFile(join(claimDir, String(octet)), String(process.pid), { flag: 'wx' });
        return octet;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
    if (fixed !== undefined) break;
  }
  throw new Error(`no free 10.200.${fixed ?? 'X'}.0/24 subnet for a test network`);
}

/** chainHash is the hash the bridge and portmap plugins name a sandbox's iptables chains with (CNI-<h>, CNI-DN-<h>). */
export function chainHash(networkName: string, sandboxId: string): string {
  return createHash('sha512')
    .update(networkName + sandboxId)
    .digest('hex')
    .slice(0, 21);
}

/** iptablesLines returns `iptables-save` lines (all tables) that contain any of `needles`. */
export async function iptablesLines(needles: string[], netns?: string): Promise<string[]> {
  const out = await sh('iptables-save', [], netns);
  return out.split('\n').filter((l) => needles.some((n) => l.includes(n)));
}

/** bridgePorts lists the interfaces enslaved to `bridge` (the veth host ends). */
export async function bridgePorts(bridge: string, netns?: string): Promise<string[]> {
  const out = await sh('ip', ['-o', 'link', 'show', 'master', bridge], netns).catch(() => '');
  return out
    .split('\n')
    .map((l) => /^\d+:\s+([^@:]+)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined);
}

/** ipamAllocations lists the addresses host-local has handed out in `ipamDir`. */
export async function ipamAllocations(ipamDir: string): Promise<string[]> {
  const names = await readdir(ipamDir).catch(() => [] as string[]);
  return names.filter((n) => isIPv4(n));
}

/** Httpd is a busybox httpd serving one body, started inside a pod netns. */
export interface Httpd extends AsyncDisposable {
  proc: ChildProcess;
  body: string;
}

/**
 * startHttpd runs `busybox httpd -f -p PORT` in `netns` serving `body` at /,
 * and waits until it answers on the pod's 127.0.0.1 (which needs `lo` up).
 * Disposing kills it: tear the network down only after.
 */
export async function startHttpd(netns: string, port: number, body: string): Promise<Httpd> {
  const www = await mkdtemp(join(tmpdir(), 'tug-www-'));
  await writeFile(join(www, 'index.html'), body);
  const proc = spawn(
    'nsenter',
    [`--net=${netns}`, '--', 'busybox', 'httpd', '-f', '-p', String(port), '-h', www],
    {
      stdio: 'ignore',
    },
  );
  const h: Httpd = {
    proc,
    body,
    [Symbol.asyncDispose]: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGKILL');
        await exited;
      }
      await rm(www, { recursive: true, force: true });
    },
  };
  try {
    await waitFor(async () => (await curl(`http://127.0.0.1:${port}/`, netns)) === body, {
      timeoutMs: 20_000,
      what: `httpd on 127.0.0.1:${port} in ${netns}`,
    });
  } catch (e) {
    await h[Symbol.asyncDispose]();
    throw e;
  }
  return h;
}

/** curl fetches `url` with `curl -sf` (so an error status fails), from `netns` when given, and returns the body. */
export function curl(url: string, netns?: string): Promise<string> {
  return sh('curl', ['-sf', '--max-time', '5', url], netns);
}
