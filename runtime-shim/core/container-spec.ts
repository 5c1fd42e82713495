import { readFile, stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type { ContainerConfig__Output } from '../../proto/generated/tugboat/runtime/v1/ContainerConfig.js';
import type { LinuxContainerResources__Output } from '../../proto/generated/tugboat/runtime/v1/LinuxContainerResources.js';
import type { SecurityProfile__Output } from '../../proto/generated/tugboat/runtime/v1/SecurityProfile.js';
import { InvalidArgumentError, errnoCode } from '../errors.js';
import type { ImageConfig } from '../images/types.js';
import { toOciResources, type ResourceSupport } from '../oci/resources.js';
import { defaultSeccompProfile } from '../oci/seccomp.js';
import {
  ALL_CAPABILITIES,
  DEFAULT_MASKED_PATHS,
  DEFAULT_READONLY_PATHS,
  resolveCapabilities,
} from '../oci/security.js';
import type { BindMount, Propagation, SpecInput } from '../oci/spec.js';
import type { OciSeccomp } from '../oci/types.js';
import { resolveUser } from '../oci/user.js';
import { findExecutable } from './executable.js';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * containerArgs applies Kubernetes' rule: `command` replaces the image's
 * Entrypoint and `args` its Cmd; when only `args` is given it follows the
 * image's Entrypoint; when neither is given Entrypoint + Cmd run. An empty
 * result is an InvalidArgumentError.
 */
export function containerArgs(
  command: readonly string[],
  args: readonly string[],
  image: ImageConfig,
  imageName: string,
): string[] {
  let out: string[];
  if (command.length > 0) out = [...command, ...args];
  else if (args.length > 0) out = [...(image.entrypoint ?? []), ...args];
  else out = [...(image.entrypoint ?? []), ...(image.cmd ?? [])];
  if (out.length === 0) {
    throw new InvalidArgumentError(
      `config.command: no command to run: the container gives no command or args and image ${imageName} has no Entrypoint or Cmd`,
    );
  }
  return out;
}

/**
 * containerEnv starts from the image's Env (PATH added when missing), sets
 * HOSTNAME, then applies the container's envs: a key given again replaces
 * the earlier value in place.
 */
export function containerEnv(
  imageEnv: readonly string[],
  envs: readonly { key: string; value: string }[],
  hostname: string | undefined,
): string[] {
  const order: string[] = [];
  const values = new Map<string, string>();
  const set = (k: string, v: string): void => {
    if (!values.has(k)) order.push(k);
    values.set(k, v);
  };
  for (const e of imageEnv) {
    const i = e.indexOf('=');
    if (i > 0) set(e.slice(0, i), e.slice(i + 1));
  }
  if (!values.has('PATH')) set('PATH', DEFAULT_PATH);
  if (hostname !== undefined) set('HOSTNAME', hostname);
  envs.forEach((e, i) => {
    if (e.key === '' || e.key.includes('=')) {
      throw new InvalidArgumentError(`config.envs[${i}].key: must be non-empty and contain no '='`);
    }
    set(e.key, e.value);
  });
  return order.map((k) => `${k}=${values.get(k) ?? ''}`);
}

/** normalizeSignal turns an image StopSignal ("SIGTERM", "TERM", "15") into a runtime kill argument. */
export function normalizeSignal(sig: string | undefined): string {
  const s = (sig ?? '').trim().toUpperCase();
  if (s === '') return 'TERM';
  if (/^\d+$/.test(s)) return s;
  return s.startsWith('SIG') ? s.slice(3) : s;
}

const NAMESPACED_SYSCTL = /^(kernel\.(shm[a-z_]+|msg[a-z_]+|sem)|fs\.mqueue\..+|net\..+)$/;

/** validateSysctls accepts only namespaced sysctls (net.* only with the pod's own network). */
export function validateSysctls(sysctls: Record<string, string>, hostNetwork: boolean): void {
  for (const k of Object.keys(sysctls)) {
    if (!NAMESPACED_SYSCTL.test(k)) {
      throw new InvalidArgumentError(
        `config.linux.sysctls: ${k} is not a namespaced sysctl and would change the node`,
      );
    }
    if (hostNetwork && k.startsWith('net.')) {
      throw new InvalidArgumentError(
        `config.linux.sysctls: ${k} cannot be set on a pod that uses the node's network`,
      );
    }
  }
}

async function seccompFor(
  profile: SecurityProfile__Output | null | undefined,
  caps: readonly string[],
): Promise<OciSeccomp | undefined> {
  switch (profile?.profileType ?? 'RuntimeDefault') {
    case 'Unconfined':
      return undefined;
    case 'Localhost': {
      const ref = profile?.localhostRef ?? '';
      if (!isAbsolute(ref)) {
        throw new InvalidArgumentError(
          'linux.security_context.seccomp.localhost_ref: must be an absolute path',
        );
      }
      try {
        return JSON.parse(await readFile(ref, 'utf8')) as OciSeccomp;
      } catch (e) {
        throw new InvalidArgumentError(
          `linux.security_context.seccomp.localhost_ref: cannot load ${ref}: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    }
    default:
      return defaultSeccompProfile(caps);
  }
}

function propagation(p: string): Propagation {
  return p === 'PROPAGATION_BIDIRECTIONAL'
    ? 'rshared'
    : p === 'PROPAGATION_HOST_TO_CONTAINER'
      ? 'rslave'
      : 'rprivate';
}

async function bindMounts(cfg: ContainerConfig__Output): Promise<BindMount[]> {
  const out: BindMount[] = [];
  for (const [i, m] of cfg.mounts.entries()) {
    if (!isAbsolute(m.containerPath)) {
      throw new InvalidArgumentError(
        `config.mounts[${i}].container_path: must be absolute, got ${JSON.stringify(m.containerPath)}`,
      );
    }
    if (!isAbsolute(m.hostPath)) {
      throw new InvalidArgumentError(
        `config.mounts[${i}].host_path: must be absolute, got ${JSON.stringify(m.hostPath)}`,
      );
    }
    try {
      await stat(m.hostPath);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') {
        throw new InvalidArgumentError(
          `config.mounts[${i}].host_path: ${m.hostPath} does not exist`,
        );
      }
      throw e;
    }
    out.push({
      containerPath: m.containerPath,
      hostPath: m.hostPath,
      readonly: m.readonly,
      propagation: propagation(m.propagation),
    });
  }
  return out;
}

/** ContainerSpecContext is everything composeSpecInput decides from. */
export interface ContainerSpecContext {
  config: ContainerConfig__Output;
  image: ImageConfig;
  imageName: string;
  rootfs: string;
  resources: LinuxContainerResources__Output;
  support: ResourceSupport;
  /** available are the capabilities the node can grant. */
  available: ReadonlySet<string>;
  // What the sandbox contributes:
  hostname: string;
  hostNetwork: boolean;
  netnsPath?: string;
  sandboxFiles: { hosts: string; resolvConf: string; hostname: string };
  sysctls: Record<string, string>;
  cgroupsPath: string;
  cgroupNamespace: boolean;
}

/**
 * composeSpecInput decides everything about a container's OCI spec from its
 * config, its image and its sandbox: command, env, user (looked up in the
 * rootfs), capabilities, seccomp, masked paths, mounts, namespaces and
 * resources. Secure by default; the security context loosens it.
 */
export async function composeSpecInput(c: ContainerSpecContext): Promise<SpecInput> {
  const sc = c.config.linux?.securityContext;
  const privileged = sc?.privileged ?? false;
  const args = containerArgs(c.config.command, c.config.args, c.image, c.imageName);
  const hostname = c.hostNetwork ? undefined : c.hostname;
  const env = containerEnv(c.image.env ?? [], c.config.envs, c.hostNetwork ? c.hostname : hostname);
  if (sc?.runAsGroup && !sc.runAsUser && !sc.runAsUsername) {
    throw new InvalidArgumentError(
      'linux.security_context.run_as_group: only allowed together with run_as_user or run_as_username',
    );
  }
  const user = await resolveUser(c.rootfs, {
    imageUser: c.image.user ?? '',
    ...(sc?.runAsUser ? { runAsUser: Number(sc.runAsUser.value) } : {}),
    ...(sc?.runAsUsername ? { runAsUsername: sc.runAsUsername } : {}),
    ...(sc?.runAsGroup ? { runAsGroup: Number(sc.runAsGroup.value) } : {}),
    supplementalGroups: (sc?.supplementalGroups ?? []).map(Number),
  });
  const cwd = c.config.workingDir || c.image.workingDir || '/';
  const [cmd] = args;
  if (
    cmd !== undefined &&
    (await findExecutable(
      c.rootfs,
      cmd,
      env,
      cwd,
      c.config.mounts.map((m) => m.containerPath),
    )) === undefined
  ) {
    throw new InvalidArgumentError(
      `config.command: ${JSON.stringify(cmd)} is not a file in image ${c.imageName} (looked up along the container's PATH)`,
    );
  }
  const capabilities = privileged
    ? ALL_CAPABILITIES.filter((cap) => c.available.has(cap))
    : resolveCapabilities(
        sc?.capabilities?.addCapabilities ?? [],
        sc?.capabilities?.dropCapabilities ?? [],
        c.available,
      );
  const seccomp = privileged ? undefined : await seccompFor(sc?.seccomp, capabilities);
  validateSysctls(c.sysctls, c.hostNetwork);
  const ns = sc?.namespaceOptions;
  if (ns?.pid === 'TARGET' || ns?.ipc === 'TARGET') {
    throw new InvalidArgumentError(
      'linux.security_context.namespace_options: TARGET is not supported',
    );
  }
  const oom = Number(c.resources.oomScoreAdj);
  return {
    rootfs: c.rootfs,
    readonlyRootfs: sc?.readonlyRootfs ?? false,
    args,
    env,
    cwd,
    user,
    ...(hostname !== undefined ? { hostname } : {}),
    capabilities,
    noNewPrivileges: !privileged,
    ...(oom !== 0 ? { oomScoreAdj: oom } : {}),
    privileged,
    ...(seccomp ? { seccomp } : {}),
    maskedPaths: sc && sc.maskedPaths.length > 0 ? sc.maskedPaths : [...DEFAULT_MASKED_PATHS],
    readonlyPaths:
      sc && sc.readonlyPaths.length > 0 ? sc.readonlyPaths : [...DEFAULT_READONLY_PATHS],
    ...(c.netnsPath !== undefined && !c.hostNetwork ? { netnsPath: c.netnsPath } : {}),
    hostPid: ns?.pid === 'NODE',
    hostIpc: ns?.ipc === 'NODE',
    cgroupNamespace: c.cgroupNamespace,
    cgroupsPath: c.cgroupsPath,
    resources: toOciResources(c.resources, c.support),
    etcFiles: c.hostNetwork
      ? { hosts: c.sandboxFiles.hosts, resolvConf: c.sandboxFiles.resolvConf }
      : c.sandboxFiles,
    mounts: await bindMounts(c.config),
    sysctls: c.sysctls,
    annotations: {},
  };
}
