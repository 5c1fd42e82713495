import type { Deployment, ReplicaSet } from './apps.js';
import type { HorizontalPodAutoscaler } from './autoscaling.js';
import type { HorizontalPodAutoscalerV1 } from './autoscaling-v1.js';
import type { ConfigMap, Namespace, Secret } from './config.js';
import type { Node } from './node.js';
import type { Pod } from './pod.js';
import type { Service } from './service.js';

/**
 * Realistic manifests as users write them, for tests across the api folders.
 * Each call returns a fresh object, so tests may mutate what they get.
 */

/** exampleDeployment is a typical web Deployment with a probe, resources and a volume. */
export function exampleDeployment(): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web', tier: 'frontend' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx:1.27',
              ports: [{ containerPort: 80, name: 'http' }],
              env: [
                { name: 'MODE', value: 'production' },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              ],
              resources: {
                requests: { cpu: '100m', memory: '64Mi' },
                limits: { cpu: '500m', memory: '128Mi' },
              },
              readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 },
              livenessProbe: { tcpSocket: { port: 80 }, initialDelaySeconds: 10 },
              volumeMounts: [{ name: 'config', mountPath: '/etc/web' }],
            },
          ],
          volumes: [{ name: 'config', configMap: { name: 'web-config' } }],
        },
      },
    },
  };
}

/** exampleReplicaSet is what a deployment controller would create for exampleDeployment. */
export function exampleReplicaSet(): ReplicaSet {
  const d = exampleDeployment();
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web-5d9c7b8f6', namespace: 'default', labels: { app: 'web' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d9c7b8f6' } },
      template: {
        metadata: { labels: { app: 'web', tier: 'frontend', 'pod-template-hash': '5d9c7b8f6' } },
        spec: d.spec?.template.spec,
      },
    },
  };
}

/** examplePod is a bare two-container pod with an init container and an emptyDir. */
export function examplePod(): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'busybox', namespace: 'default', labels: { run: 'busybox' } },
    spec: {
      initContainers: [
        { name: 'init', image: 'busybox:1.36', command: ['sh', '-c', 'echo hi > /work/x'] },
      ],
      containers: [
        {
          name: 'main',
          image: 'busybox',
          command: ['sh', '-c', 'sleep 3600'],
          volumeMounts: [{ name: 'work', mountPath: '/work' }],
        },
        {
          name: 'sidecar',
          image: 'registry.local:5000/tools/agent:v2',
          args: ['--verbose'],
          resources: { limits: { cpu: '1', memory: '1Gi' } },
        },
      ],
      volumes: [{ name: 'work', emptyDir: {} }],
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }],
    },
  };
}

/** exampleService is a ClusterIP service in front of exampleDeployment. */
export function exampleService(): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      selector: { app: 'web' },
      ports: [
        { name: 'http', port: 80, targetPort: 'http' },
        { name: 'metrics', port: 9090 },
      ],
    },
  };
}

/** exampleNodePortService is a NodePort service with a fixed node port. */
export function exampleNodePortService(): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web-np', namespace: 'default' },
    spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, nodePort: 30080 }] },
  };
}

/** exampleHpa is an autoscaling/v2 HPA on CPU for exampleDeployment. */
export function exampleHpa(): HorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
        },
      ],
    },
  };
}

/** exampleHpaV1 is what `kubectl autoscale deploy web --cpu-percent=50 --max=10` sends. */
export function exampleHpaV1(): HorizontalPodAutoscalerV1 {
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      maxReplicas: 10,
      targetCPUUtilizationPercentage: 50,
    },
  };
}

/** exampleConfigMap holds two keys. */
export function exampleConfigMap(): ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'web-config', namespace: 'default' },
    data: { 'nginx.conf': 'events {}\n', MODE: 'production' },
  };
}

/** exampleSecret mixes data (base64) and stringData. */
export function exampleSecret(): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db', namespace: 'default' },
    data: { username: 'YWRtaW4=' },
    stringData: { password: 's3cr3t' },
  };
}

/** exampleNamespace is a bare namespace. */
export function exampleNamespace(): Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } };
}

/** exampleNode is a node as the agent registers it, with its status. */
export function exampleNode(): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1' } },
    spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] },
    status: {
      capacity: { cpu: '2', memory: '4Gi', pods: '110' },
      allocatable: { cpu: '2', memory: '3900Mi', pods: '110' },
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'node agent is posting ready status',
          lastHeartbeatTime: '2024-05-01T10:00:00Z',
          lastTransitionTime: '2024-05-01T09:00:00Z',
        },
      ],
      addresses: [
        { type: 'InternalIP', address: '192.168.50.2' },
        { type: 'Hostname', address: 'node-1' },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: 'm1',
        systemUUID: 'u1',
        bootID: 'b1',
        kernelVersion: '6.1.0-18-amd64',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: 'tugboat-shim://0.1.0',
        kubeletVersion: 'v1.32.0-tugboat',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}
