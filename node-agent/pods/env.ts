import { Quantity } from '../../controlplane/api/quantity/index.js';
import type {
  Container,
  ObjectFieldSelector,
  ResourceFieldSelector,
  StoredPod,
} from '../../controlplane/api/types/index.js';
import type { KeyValue } from '../../proto/generated/tugboat/runtime/v1/KeyValue.js';
import type { PodApi } from './api.js';

/**
 * ContainerConfigError is a container that cannot be configured as written
 * (a missing ConfigMap or key, a bad field path, a bad volume mount): the
 * container waits with reason CreateContainerConfigError and this message,
 * as kubelet reports it, until the next sync finds the reference resolved.
 */
export class ContainerConfigError extends Error {
  override name = 'ContainerConfigError';
}

/** isContainerConfigError is the guard of ContainerConfigError. */
export function isContainerConfigError(e: unknown): e is ContainerConfigError {
  return e instanceof ContainerConfigError;
}

/** NodeResources is what an unset limit means: the node's allocatable amount. */
export interface NodeResources {
  cpuMilli: number;
  memoryBytes: number;
}

/** EnvContext is what environment resolution reads besides the container. */
export interface EnvContext {
  pod: StoredPod;
  hostIP: string;
  podIPs: string[];
  node: NodeResources;
  objects: Pick<PodApi, 'getConfigMap' | 'getSecret'>;
  signal?: AbortSignal;
}

const envNamePattern = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/**
 * expandVars replaces `$(NAME)` in `input` with `lookup(NAME)` the way
 * Kubernetes does: `$$` is an escaped `$`, and a reference whose name is
 * not defined is left as written.
 */
export function expandVars(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      const value = name === '' ? undefined : lookup(name);
      out += value ?? `$(${name})`;
      i = close;
      continue;
    }
    out += ch;
  }
  return out;
}

/**
 * containerEnv resolves a container's environment as kubelet does:
 * `envFrom` sources first (later ones override earlier ones, keys that are
 * not valid variable names are skipped), then `env` entries in order, each
 * literal value expanded against the variables defined before it. Throws
 * ContainerConfigError for a missing non-optional ConfigMap, Secret or key,
 * or an unsupported field path.
 */
export async function containerEnv(container: Container, ctx: EnvContext): Promise<KeyValue[]> {
  const env = new Map<string, string>();
  const ns = ctx.pod.metadata.namespace ?? 'default';
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    let data: Record<string, string> | undefined;
    if (from.configMapRef) {
      const name = from.configMapRef.name ?? '';
      const cm = await ctx.objects.getConfigMap(ns, name, ctx.signal);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${name}" not found`);
      }
      data = cm.data ?? {};
    } else if (from.secretRef) {
      const name = from.secretRef.name ?? '';
      const s = await ctx.objects.getSecret(ns, name, ctx.signal);
      if (!s) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${name}" not found`);
      }
      data = decodeSecret(s.data);
    }
    for (const [k, v] of Object.entries(data ?? {})) {
      const key = prefix + k;
      if (envNamePattern.test(key)) env.set(key, v);
    }
  }
  for (const e of container.env ?? []) {
    if (e.valueFrom) {
      const v = await valueFrom(e.name, e.valueFrom, container, ctx, ns);
      if (v !== undefined) env.set(e.name, v);
      continue;
    }
    env.set(
      e.name,
      expandVars(e.value ?? '', (n) => env.get(n)),
    );
  }
  return [...env].map(([key, value]) => ({ key, value }));
}

async function valueFrom(
  name: string,
  src: NonNullable<NonNullable<Container['env']>[number]['valueFrom']>,
  container: Container,
  ctx: EnvContext,
  ns: string,
): Promise<string | undefined> {
  if (src.fieldRef) return fieldValue(src.fieldRef, ctx);
  if (src.resourceFieldRef) return resourceValue(src.resourceFieldRef, container, ctx.node);
  if (src.configMapKeyRef) {
    const ref = src.configMapKeyRef;
    const cm = await ctx.objects.getConfigMap(ns, ref.name ?? '', ctx.signal);
    if (!cm) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`configmap "${ref.name ?? ''}" not found`);
    }
    const v = cm.data?.[ref.key];
    if (v === undefined) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name}`);
    }
    return v;
  }
  if (src.secretKeyRef) {
    const ref = src.secretKeyRef;
    const s = await ctx.objects.getSecret(ns, ref.name ?? '', ctx.signal);
    if (!s) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`secret "${ref.name ?? ''}" not found`);
    }
    const v = decodeSecret(s.data)[ref.key];
    if (v === undefined) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${ref.key} in Secret ${ns}/${ref.name}`);
    }
    return v;
  }
  throw new ContainerConfigError(`env ${name}: valueFrom names no source`);
}

/** decodeSecret decodes a Secret's base64 `data` values to text. */
export function decodeSecret(data: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data ?? {})) out[k] = Buffer.from(v, 'base64').toString();
  return out;
}

const labelPath = /^metadata\.(labels|annotations)\['(.+)'\]$/;

/**
 * fieldValue resolves a downward API field path of the pod (kubelet's
 * supported set). Throws ContainerConfigError for any other path.
 */
export function fieldValue(
  ref: ObjectFieldSelector,
  ctx: Omit<EnvContext, 'objects' | 'node'>,
): string {
  const pod = ctx.pod;
  const m = labelPath.exec(ref.fieldPath);
  if (m) {
    const map = m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations;
    return map?.[m[2] ?? ''] ?? '';
  }
  switch (ref.fieldPath) {
    case 'metadata.name':
      return pod.metadata.name;
    case 'metadata.namespace':
      return pod.metadata.namespace ?? 'default';
    case 'metadata.uid':
      return pod.metadata.uid;
    case 'metadata.labels':
      return formatMap(pod.metadata.labels);
    case 'metadata.annotations':
      return formatMap(pod.metadata.annotations);
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? pod.spec?.serviceAccount ?? '';
    case 'status.hostIP':
      return ctx.hostIP;
    case 'status.hostIPs':
      return ctx.hostIP;
    case 'status.podIP':
      return ctx.podIPs[0] ?? '';
    case 'status.podIPs':
      return ctx.podIPs.join(',');
    default:
      throw new ContainerConfigError(`unsupported fieldPath: ${ref.fieldPath}`);
  }
}

function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}="${(m ?? {})[k]}"`)
    .join('\n');
}

/**
 * resourceValue resolves a resourceFieldRef: a limit or request of the
 * container (an unset limit is the node's allocatable amount) divided by the
 * divisor and rounded up, as kubelet formats it.
 */
export function resourceValue(
  ref: ResourceFieldSelector,
  container: Container,
  node: NodeResources,
): string {
  const [kind, resource] = ref.resource.split('.') as [string, string | undefined];
  const list =
    kind === 'limits'
      ? container.resources?.limits
      : kind === 'requests'
        ? container.resources?.requests
        : undefined;
  if (!resource || (kind !== 'limits' && kind !== 'requests')) {
    throw new ContainerConfigError(`unsupported container resource: ${ref.resource}`);
  }
  const divisor = ref.divisor ? Quantity.parse(String(ref.divisor)) : undefined;
  const set = list?.[resource];
  if (resource === 'cpu') {
    const milli =
      set !== undefined
        ? Quantity.parse(String(set)).milliValue()
        : kind === 'limits'
          ? node.cpuMilli
          : 0;
    const div = divisor && !divisor.isZero() ? divisor.milliValue() : 1000;
    return String(Math.ceil(milli / div));
  }
  if (resource === 'memory' || resource === 'ephemeral-storage') {
    const bytes =
      set !== undefined
        ? Quantity.parse(String(set)).value()
        : kind === 'limits'
          ? node.memoryBytes
          : 0;
    const div = divisor && !divisor.isZero() ? divisor.value() : 1;
    return String(Math.ceil(bytes / div));
  }
  throw new ContainerConfigError(`unsupported container resource: ${ref.resource}`);
}
