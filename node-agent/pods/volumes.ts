import { access, mkdir, open, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type {
  Container,
  DownwardAPIVolumeFile,
  KeyToPath,
  StoredPod,
  Volume,
} from '../../controlplane/api/types/index.js';
import type { Mount } from '../../proto/generated/tugboat/runtime/v1/Mount.js';
import type { MountPropagation } from '../../proto/generated/tugboat/runtime/v1/MountPropagation.js';
import type { PodApi } from './api.js';
import {
  ContainerConfigError,
  decodeSecret,
  fieldValue,
  resourceValue,
  type NodeResources,
} from './env.js';
import { safeRelativePath, writeProjection, type ProjectedFile } from './projection.js';

/**
 * VolumeError is a volume that cannot be set up (a missing ConfigMap, a
 * hostPath of the wrong type, a volume type the agent does not support):
 * the pod waits in ContainerCreating with a FailedMount event, as in
 * Kubernetes, and the next sync tries again.
 */
export class VolumeError extends Error {
  override name = 'VolumeError';

  constructor(
    readonly volume: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** isVolumeError is the guard of VolumeError. */
export function isVolumeError(e: unknown): e is VolumeError {
  return e instanceof VolumeError;
}

/** PreparedVolume is a volume ready to be bind-mounted: where it is on the host. */
export interface PreparedVolume {
  hostPath: string;
  /** readOnly is forced for projected volumes (ConfigMap, Secret, downward API). */
  readOnly: boolean;
  /** writable volumes may get subPath directories made on demand. */
  makeSubPaths: boolean;
}

/** VolumeContext is what setting up volumes reads besides the pod. */
export interface VolumeContext {
  hostIP: string;
  podIPs: string[];
  node: NodeResources;
  signal?: AbortSignal;
}

const DEFAULT_MODE = 0o644;

/**
 * VolumeManager sets up the volumes of pods under
 * `<rootDir>/pods/<uid>/volumes/<plugin>/<name>` (kubelet's layout):
 * emptyDir as a directory, configMap / secret / downwardAPI / projected as
 * files (Secret data base64-decoded), hostPath checked or created per its
 * type. Setting up again refreshes projected contents. Containers get them
 * as bind mounts (`mounts`). Safe for concurrent use on different pods.
 */
export class VolumeManager {
  constructor(
    private readonly rootDir: string,
    private readonly objects: Pick<PodApi, 'getConfigMap' | 'getSecret'>,
  ) {}

  /** podDir is the pod's directory under the agent's root. */
  podDir(uid: string): string {
    return join(this.rootDir, 'pods', uid);
  }

  /**
   * setUp prepares every volume of `pod` and returns them by name. Throws
   * VolumeError for the first volume that cannot be prepared. Idempotent.
   */
  async setUp(pod: StoredPod, ctx: VolumeContext): Promise<Map<string, PreparedVolume>> {
    const out = new Map<string, PreparedVolume>();
    for (const v of pod.spec?.volumes ?? []) out.set(v.name, await this.setUpOne(pod, v, ctx));
    return out;
  }

  /**
   * tearDown removes the pod's directory (emptyDir contents, projected
   * files). Host paths are outside it and untouched. Idempotent.
   */
  async tearDown(uid: string): Promise<void> {
    if (!safeRelativePath(uid) || uid.includes('/')) return;
    await rm(this.podDir(uid), { recursive: true, force: true });
  }

  /**
   * mounts returns the runtime mounts of `container`'s volumeMounts. Throws
   * ContainerConfigError for a mount naming an unknown volume or with an
   * unsafe subPath.
   */
  async mounts(container: Container, volumes: Map<string, PreparedVolume>): Promise<Mount[]> {
    const out: Mount[] = [];
    for (const vm of container.volumeMounts ?? []) {
      const vol = volumes.get(vm.name);
      if (!vol) {
        throw new ContainerConfigError(
          `cannot find volume "${vm.name}" to mount into container "${container.name}"`,
        );
      }
      let hostPath = vol.hostPath;
      if (vm.subPath) {
        if (!safeRelativePath(vm.subPath)) {
          throw new ContainerConfigError(
            `subPath "${vm.subPath}" must be a relative path without ..`,
          );
        }
        hostPath = join(hostPath, vm.subPath);
        if (vol.makeSubPaths)
          await mkdir(hostPath, { recursive: true, mode: 0o777 }).catch(() => {});
      }
      out.push({
        containerPath: vm.mountPath,
        hostPath,
        readonly: vol.readOnly || vm.readOnly === true,
        propagation: propagation(vm.mountPropagation),
      });
    }
    return out;
  }

  private dir(pod: StoredPod, plugin: string, name: string): string {
    return join(this.podDir(pod.metadata.uid), 'volumes', plugin, name);
  }

  private async setUpOne(pod: StoredPod, v: Volume, ctx: VolumeContext): Promise<PreparedVolume> {
    const ns = pod.metadata.namespace ?? 'default';
    if (v.emptyDir) {
      const dir = this.dir(pod, 'kubernetes.io~empty-dir', v.name);
      await mkdir(dir, { recursive: true, mode: 0o777 });
      return { hostPath: dir, readOnly: false, makeSubPaths: true };
    }
    if (v.hostPath) return hostPathVolume(v.name, v.hostPath.path, v.hostPath.type ?? '');
    const files = new Map<string, ProjectedFile>();
    let plugin: string;
    if (v.configMap) {
      plugin = 'kubernetes.io~configmap';
      const src = v.configMap;
      await this.projectConfigMap(v.name, ns, src.name ?? '', src, src.defaultMode, files, ctx);
    } else if (v.secret) {
      plugin = 'kubernetes.io~secret';
      const src = v.secret;
      await this.projectSecret(v.name, ns, src.secretName ?? '', src, src.defaultMode, files, ctx);
    } else if (v.downwardAPI) {
      plugin = 'kubernetes.io~downward-api';
      projectDownward(
        v.name,
        pod,
        v.downwardAPI.items ?? [],
        v.downwardAPI.defaultMode,
        files,
        ctx,
      );
    } else if (v.projected) {
      plugin = 'kubernetes.io~projected';
      const mode = v.projected.defaultMode;
      for (const s of v.projected.sources ?? []) {
        if (s.configMap) {
          await this.projectConfigMap(
            v.name,
            ns,
            s.configMap.name ?? '',
            s.configMap,
            mode,
            files,
            ctx,
          );
        } else if (s.secret) {
          await this.projectSecret(v.name, ns, s.secret.name ?? '', s.secret, mode, files, ctx);
        } else if (s.downwardAPI) {
          projectDownward(v.name, pod, s.downwardAPI.items ?? [], mode, files, ctx);
        }
        // serviceAccountToken sources are not issued yet: the file is left out.
      }
    } else {
      throw new VolumeError(
        v.name,
        `volume "${v.name}": this volume type is not supported by tug-agent`,
      );
    }
    const dir = this.dir(pod, plugin, v.name);
    await writeProjection(dir, files);
    return { hostPath: dir, readOnly: true, makeSubPaths: false };
  }

  private async projectConfigMap(
    volume: string,
    ns: string,
    name: string,
    src: { items?: KeyToPath[]; optional?: boolean },
    defaultMode: number | undefined,
    files: Map<string, ProjectedFile>,
    ctx: VolumeContext,
  ): Promise<void> {
    const cm = await this.objects.getConfigMap(ns, name, ctx.signal);
    if (!cm) {
      if (src.optional) return;
      throw new VolumeError(volume, `configmap "${name}" not found`);
    }
    const data = new Map<string, Buffer>();
    for (const [k, val] of Object.entries(cm.data ?? {})) data.set(k, Buffer.from(val));
    for (const [k, val] of Object.entries(cm.binaryData ?? {}))
      data.set(k, Buffer.from(val, 'base64'));
    addKeys(volume, `configmap "${name}"`, data, src, defaultMode, files);
  }

  private async projectSecret(
    volume: string,
    ns: string,
    name: string,
    src: { items?: KeyToPath[]; optional?: boolean },
    defaultMode: number | undefined,
    files: Map<string, ProjectedFile>,
    ctx: VolumeContext,
  ): Promise<void> {
    const s = await this.objects.getSecret(ns, name, ctx.signal);
    if (!s) {
      if (src.optional) return;
      throw new VolumeError(volume, `secret "${name}" not found`);
    }
    const data = new Map<string, Buffer>();
    for (const [k, val] of Object.entries(decodeSecret(s.data))) data.set(k, Buffer.from(val));
    addKeys(volume, `secret "${name}"`, data, src, defaultMode, files);
  }
}

function addKeys(
  volume: string,
  what: string,
  data: Map<string, Buffer>,
  src: { items?: KeyToPath[]; optional?: boolean },
  defaultMode: number | undefined,
  files: Map<string, ProjectedFile>,
): void {
  const mode = defaultMode ?? DEFAULT_MODE;
  if (!src.items || src.items.length === 0) {
    for (const [k, buf] of data) files.set(k, { data: buf, mode });
    return;
  }
  for (const item of src.items) {
    const buf = data.get(item.key);
    if (!buf) {
      if (src.optional) continue;
      throw new VolumeError(volume, `${what}: key "${item.key}" not found`);
    }
    if (!safeRelativePath(item.path)) {
      throw new VolumeError(volume, `item path "${item.path}" must be relative without ..`);
    }
    files.set(item.path, { data: buf, mode: item.mode ?? mode });
  }
}

function projectDownward(
  volume: string,
  pod: StoredPod,
  items: DownwardAPIVolumeFile[],
  defaultMode: number | undefined,
  files: Map<string, ProjectedFile>,
  ctx: VolumeContext,
): void {
  for (const item of items) {
    if (!safeRelativePath(item.path)) {
      throw new VolumeError(volume, `item path "${item.path}" must be relative without ..`);
    }
    let value: string;
    try {
      if (item.fieldRef) {
        value = fieldValue(item.fieldRef, { pod, hostIP: ctx.hostIP, podIPs: ctx.podIPs });
      } else if (item.resourceFieldRef) {
        const c = pod.spec?.containers.find((x) => x.name === item.resourceFieldRef?.containerName);
        if (!c)
          throw new Error(`container "${item.resourceFieldRef.containerName ?? ''}" not found`);
        value = resourceValue(item.resourceFieldRef, c, ctx.node);
      } else {
        continue;
      }
    } catch (e) {
      throw new VolumeError(volume, `downward API item "${item.path}": ${(e as Error).message}`, {
        cause: e,
      });
    }
    files.set(item.path, {
      data: Buffer.from(value),
      mode: item.mode ?? defaultMode ?? DEFAULT_MODE,
    });
  }
}

async function hostPathVolume(name: string, path: string, type: string): Promise<PreparedVolume> {
  const fail = (why: string): never => {
    throw new VolumeError(name, `hostPath type check failed: ${path} ${why}`);
  };
  const st = await stat(path).catch(() => undefined);
  switch (type) {
    case '':
      break;
    case 'DirectoryOrCreate':
      if (!st) await mkdir(path, { recursive: true, mode: 0o755 });
      else if (!st.isDirectory()) fail('is not a directory');
      break;
    case 'Directory':
      if (!st?.isDirectory()) fail('is not a directory');
      break;
    case 'FileOrCreate':
      if (!st) {
        await access(dirname(path)).catch(() => fail('has no parent directory'));
        await (await open(path, 'a', 0o644)).close();
      } else if (!st.isFile()) fail('is not a file');
      break;
    case 'File':
      if (!st?.isFile()) fail('is not a file');
      break;
    case 'Socket':
      if (!st?.isSocket()) fail('is not a socket file');
      break;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) fail('is not a character device');
      break;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) fail('is not a block device');
      break;
    default:
      fail(`has an unknown hostPath type ${type}`);
  }
  // The runtime needs the host path to exist for the bind mount.
  if (!(await stat(path).catch(() => undefined))) {
    throw new VolumeError(name, `hostPath ${path} does not exist`);
  }
  return { hostPath: path, readOnly: false, makeSubPaths: true };
}

function propagation(p: string | undefined): MountPropagation {
  if (p === 'HostToContainer') return 'PROPAGATION_HOST_TO_CONTAINER';
  if (p === 'Bidirectional') return 'PROPAGATION_BIDIRECTIONAL';
  return 'PROPAGATION_PRIVATE';
}
