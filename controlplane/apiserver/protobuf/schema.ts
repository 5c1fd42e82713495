import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { Root, Type } from 'protobufjs';

/** SCHEMA_FILES are the .proto files under schema/, loaded together into one root. */
export const SCHEMA_FILES: readonly string[] = [
  'runtime.proto',
  'meta-v1.proto',
  'resource.proto',
  'intstr.proto',
  'core-v1-objects.proto',
  'core-v1-container.proto',
  'core-v1-volume.proto',
  'core-v1-node.proto',
  'core-v1-pod.proto',
  'core-v1-service.proto',
  'apps-v1.proto',
  'autoscaling-v1.proto',
  'autoscaling-v2.proto',
  'coordination-v1.proto',
  'policy-v1.proto',
];

const CORE = 'k8s.io.api.core.v1';

/**
 * KINDS maps `apiVersion kind` to the message that encodes it: the kinds a
 * client may send as a body to this server (objects it serves, plus the
 * bodies of binding, eviction and scale).
 */
export const KINDS: Readonly<Record<string, string>> = {
  'v1 Pod': `${CORE}.Pod`,
  'v1 Service': `${CORE}.Service`,
  'v1 ConfigMap': `${CORE}.ConfigMap`,
  'v1 Secret': `${CORE}.Secret`,
  'v1 Namespace': `${CORE}.Namespace`,
  'v1 Node': `${CORE}.Node`,
  'v1 Endpoints': `${CORE}.Endpoints`,
  'v1 Event': `${CORE}.Event`,
  'v1 Binding': `${CORE}.Binding`,
  'apps/v1 Deployment': 'k8s.io.api.apps.v1.Deployment',
  'apps/v1 ReplicaSet': 'k8s.io.api.apps.v1.ReplicaSet',
  'autoscaling/v1 HorizontalPodAutoscaler': 'k8s.io.api.autoscaling.v1.HorizontalPodAutoscaler',
  'autoscaling/v1 Scale': 'k8s.io.api.autoscaling.v1.Scale',
  'autoscaling/v2 HorizontalPodAutoscaler': 'k8s.io.api.autoscaling.v2.HorizontalPodAutoscaler',
  'coordination.k8s.io/v1 Lease': 'k8s.io.api.coordination.v1.Lease',
  'policy/v1 Eviction': 'k8s.io.api.policy.v1.Eviction',
};

/** DELETE_OPTIONS is registered in every group version, so it is looked up by kind alone. */
const DELETE_OPTIONS = 'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions';

/** UNKNOWN is the envelope message, runtime.Unknown. */
const UNKNOWN = 'k8s.io.apimachinery.pkg.runtime.Unknown';

/** KubeSchema is the loaded schema: the envelope type and a lookup by apiVersion and kind. */
export interface KubeSchema {
  readonly root: Root;
  readonly unknown: Type;
  /** typeFor is the message of `apiVersion`/`kind`, or undefined when the kind has no schema here. */
  typeFor(apiVersion: string, kind: string): Type | undefined;
}

/** packageRoot is the folder holding package.json, found from this module (sources or dist/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`protobuf schema: package.json not found above ${dir}`);
    dir = up;
  }
}

/**
 * schemaDir is where the .proto files live. The build does not copy them to
 * dist/, so the path is taken from the package root, as proto/loader.ts does.
 */
export function schemaDir(): string {
  return join(packageRoot(), 'controlplane', 'apiserver', 'protobuf', 'schema');
}

/**
 * loadSchema parses and resolves every schema file (tens of milliseconds).
 * It throws a plain Error when a file is missing or does not parse: that is a
 * broken installation, not a bad request.
 */
export function loadSchema(dir: string = schemaDir()): KubeSchema {
  const root = new protobuf.Root();
  root.loadSync(
    SCHEMA_FILES.map((f) => join(dir, f)),
    { keepCase: true },
  );
  root.resolveAll();
  const types = new Map<string, Type>();
  for (const [key, name] of Object.entries(KINDS)) types.set(key, root.lookupType(name));
  const deleteOptions = root.lookupType(DELETE_OPTIONS);
  return {
    root,
    unknown: root.lookupType(UNKNOWN),
    typeFor(apiVersion, kind) {
      if (kind === 'DeleteOptions') return deleteOptions;
      return types.get(`${apiVersion} ${kind}`);
    },
  };
}

let shared: KubeSchema | undefined;

/**
 * kubeSchema is the process-wide schema, loaded on first use. It is immutable
 * once loaded, so one copy is shared rather than injected: the HTTP layer's
 * decoder has no place to receive it, and parsing it per request would cost
 * more than the request.
 */
export function kubeSchema(): KubeSchema {
  shared ??= loadSchema();
  return shared;
}
