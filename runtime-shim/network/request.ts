import { isIP } from 'node:net';
import { InvalidNetworkRequestError } from './errors.js';
import type { PortMapping, SandboxNetworkRequest } from './types.js';

// Sandbox ids become file names and CNI_CONTAINERID, so they keep to the CNI container id alphabet.
const sandboxIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
// CNI_ARGS is `K=V;K=V`: values must not hold the separators (nor spaces, which no pod field has).
const argValuePattern = /^[^;=\s]{0,253}$/;
const protocols = new Set(['TCP', 'UDP', 'SCTP']);

/** validateSandboxId throws InvalidNetworkRequestError unless `id` is a usable sandbox id. */
export function validateSandboxId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !sandboxIdPattern.test(id)) {
    throw new InvalidNetworkRequestError('sandboxId', `must match ${sandboxIdPattern.source}`);
  }
}

/** isSandboxId reports whether `id` could be a sandbox id (for telling pins from other files). */
export function isSandboxId(id: string): boolean {
  return sandboxIdPattern.test(id);
}

/**
 * validateNetworkRequest checks everything setUp passes to plugins, so that
 * bad input is rejected before anything is created.
 */
export function validateNetworkRequest(req: SandboxNetworkRequest): void {
  validateSandboxId(req.sandboxId);
  for (const field of ['name', 'namespace', 'uid'] as const) {
    const v: unknown = req[field];
    if (typeof v !== 'string' || !argValuePattern.test(v)) {
      throw new InvalidNetworkRequestError(
        field,
        'must be at most 253 characters without spaces, ";" or "="',
      );
    }
  }
  if (!Array.isArray(req.portMappings)) {
    throw new InvalidNetworkRequestError('portMappings', 'must be an array');
  }
  req.portMappings.forEach((p, i) => validatePortMapping(p, `portMappings[${i}]`));
}

function validatePortMapping(p: PortMapping, where: string): void {
  const port = (v: unknown, min: number): boolean =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= 65535;
  if (!port(p.containerPort, 1)) {
    throw new InvalidNetworkRequestError(`${where}.containerPort`, 'must be an integer 1–65535');
  }
  if (!port(p.hostPort, 0)) {
    throw new InvalidNetworkRequestError(`${where}.hostPort`, 'must be an integer 0–65535');
  }
  if (!protocols.has(p.protocol)) {
    throw new InvalidNetworkRequestError(`${where}.protocol`, 'must be TCP, UDP or SCTP');
  }
  if (p.hostIp !== undefined && p.hostIp !== '' && !isIP(p.hostIp)) {
    throw new InvalidNetworkRequestError(`${where}.hostIp`, 'must be an IP address');
  }
}

/** cniArgs builds CNI_ARGS the way kubelet's CNI drivers do. */
export function cniArgs(req: SandboxNetworkRequest): string {
  return [
    'IgnoreUnknown=1',
    `K8S_POD_NAMESPACE=${req.namespace}`,
    `K8S_POD_NAME=${req.name}`,
    `K8S_POD_INFRA_CONTAINER_ID=${req.sandboxId}`,
    `K8S_POD_UID=${req.uid}`,
  ].join(';');
}

/**
 * portMappingsArg is the `portMappings` capability value: only mappings with
 * a hostPort (a containerPort alone publishes nothing), protocol in lower
 * case and `hostIP` as the portmap plugin spells them.
 */
export function portMappingsArg(req: SandboxNetworkRequest): Record<string, unknown>[] {
  return req.portMappings
    .filter((p) => p.hostPort > 0)
    .map((p) => ({
      hostPort: p.hostPort,
      containerPort: p.containerPort,
      protocol: p.protocol.toLowerCase(),
      ...(p.hostIp ? { hostIP: p.hostIp } : {}),
    }));
}
