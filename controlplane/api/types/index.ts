/**
 * Typed Kubernetes API objects in their JSON form: one interface per kind
 * (input shape, metadata optional) and a `Stored…` alias per kind (the shape
 * the server returns). Shared meta shapes live in `../meta.ts`.
 */
export * from './gvk.js';
export * from './common.js';
export * from './container.js';
export * from './volume.js';
export * from './scheduling.js';
export * from './pod.js';
export * from './node.js';
export * from './service.js';
export * from './config.js';
export * from './apps.js';
export * from './autoscaling.js';
export * from './autoscaling-v1.js';
export * from './misc.js';
export * from './metrics.js';
