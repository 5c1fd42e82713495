import type { ClientReadableStream } from '@grpc/grpc-js';
import type { RuntimeClients, Unary } from '../../proto/loader.js';
import type { ContainerEventResponse__Output } from '../../proto/generated/tugboat/runtime/v1/ContainerEventResponse.js';
import type { ImageServiceClient } from '../../proto/generated/tugboat/runtime/v1/ImageService.js';
import type { RuntimeServiceClient } from '../../proto/generated/tugboat/runtime/v1/RuntimeService.js';
import { runtimeErrorFrom } from './errors.js';
import { EventQueue } from './event-queue.js';

/** RuntimeMethod names the RuntimeService RPCs the agent calls. */
export type RuntimeMethod =
  | 'Version'
  | 'Status'
  | 'RunPodSandbox'
  | 'StopPodSandbox'
  | 'RemovePodSandbox'
  | 'PodSandboxStatus'
  | 'ListPodSandbox'
  | 'CreateContainer'
  | 'StartContainer'
  | 'StopContainer'
  | 'RemoveContainer'
  | 'ListContainers'
  | 'ContainerStatus'
  | 'ExecSync';

/** ImageMethod names the ImageService RPCs the agent calls. */
export type ImageMethod = 'ImageStatus' | 'PullImage' | 'ListImages';

/**
 * RuntimeService is the part of the shim's RuntimeService the agent uses,
 * with the generated request and response types, plus the container event
 * stream as an async iterable. Every method rejects with a RuntimeError.
 * The gRPC adapter (`grpcRuntime`) and the fake runtime of tests and hollow
 * nodes both implement it.
 */
export type RuntimeService = Pick<Unary<RuntimeServiceClient>, RuntimeMethod> & {
  /**
   * containerEvents subscribes to GetContainerEvents at once and streams
   * them until `signal` aborts (then it ends quietly), the runtime ends the
   * stream, or it fails (then it throws a RuntimeError). Events before the
   * call are not replayed: relist after subscribing.
   */
  containerEvents(signal: AbortSignal): AsyncIterable<ContainerEventResponse__Output>;
};

/** ImageService is the part of the shim's ImageService the agent uses. */
export type ImageService = Pick<Unary<ImageServiceClient>, ImageMethod>;

/** AgentRuntime is the runtime the agent is given: both services. */
export interface AgentRuntime {
  runtime: RuntimeService;
  image: ImageService;
}

const runtimeMethods: RuntimeMethod[] = [
  'Version',
  'Status',
  'RunPodSandbox',
  'StopPodSandbox',
  'RemovePodSandbox',
  'PodSandboxStatus',
  'ListPodSandbox',
  'CreateContainer',
  'StartContainer',
  'StopContainer',
  'RemoveContainer',
  'ListContainers',
  'ContainerStatus',
  'ExecSync',
];
const imageMethods: ImageMethod[] = ['ImageStatus', 'PullImage', 'ListImages'];

function wrap<T extends object>(target: T, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const fn = (target as Record<string, unknown>)[name];
    if (typeof fn !== 'function') throw new TypeError(`runtime client has no method ${name}`);
    out[name] = async (...args: unknown[]) => {
      try {
        return await (fn as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      } catch (e) {
        throw runtimeErrorFrom(e);
      }
    };
  }
  return out;
}

/**
 * grpcRuntime adapts the typed gRPC clients of `connectRuntime` to
 * AgentRuntime: every error becomes a RuntimeError, and GetContainerEvents
 * becomes an async iterable. Closing the clients stays the caller's job.
 */
export function grpcRuntime(clients: RuntimeClients): AgentRuntime {
  const runtime = wrap(clients.runtime, runtimeMethods) as Pick<
    Unary<RuntimeServiceClient>,
    RuntimeMethod
  >;
  const image = wrap(clients.image, imageMethods) as ImageService;
  return {
    runtime: {
      ...runtime,
      containerEvents: (signal) =>
        streamEvents(() => clients.raw.runtime.GetContainerEvents({}), signal),
    },
    image,
  };
}

function streamEvents(
  open: () => ClientReadableStream<ContainerEventResponse__Output>,
  signal: AbortSignal,
): AsyncIterable<ContainerEventResponse__Output> {
  if (signal.aborted) return new EventQueue<ContainerEventResponse__Output>();
  // The call is opened now, so that a relist made after this returns misses nothing.
  const call = open();
  const onAbort = (): void => {
    call.cancel();
    queue.end();
  };
  const queue = new EventQueue<ContainerEventResponse__Output>(() => {
    signal.removeEventListener('abort', onAbort);
    call.cancel();
  });
  signal.addEventListener('abort', onAbort, { once: true });
  call.on('data', (ev: ContainerEventResponse__Output) => queue.push(ev));
  call.on('error', (e) => (signal.aborted ? queue.end() : queue.fail(runtimeErrorFrom(e))));
  call.on('end', () => queue.end());
  return queue;
}
