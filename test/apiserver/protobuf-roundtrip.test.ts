import { describe, expect, it } from 'vitest';
import {
  exampleConfigMap,
  exampleDeployment,
  exampleHpa,
  exampleHpaV1,
  exampleNamespace,
  exampleNode,
  exampleNodePortService,
  examplePod,
  exampleReplicaSet,
  exampleSecret,
  exampleService,
} from '../../controlplane/api/types/examples.js';
import {
  decodeObject,
  encodeObject,
  MAGIC,
  unwrapEnvelope,
} from '../../controlplane/apiserver/protobuf/index.js';

/**
 * Each object is encoded the way Kubernetes' Go encoder writes it (every
 * non-pointer scalar present, zero or not) and decoded back: the result must
 * be the JSON the object started as, so what omitempty drops stays dropped
 * and what pointers carry (zeros included) stays.
 */
function roundTrip(obj: object): unknown {
  return decodeObject(encodeObject(obj as Record<string, unknown>));
}

const storedMeta = {
  name: 'web-1',
  namespace: 'default',
  uid: '6f1c4b52-3f36-4c86-9a48-2d3b8e1f0a11',
  resourceVersion: '1234',
  generation: 7,
  creationTimestamp: '2024-05-01T10:00:00Z',
  deletionTimestamp: '2024-05-01T11:00:00Z',
  deletionGracePeriodSeconds: 0,
  labels: { app: 'web' },
  annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"x":1}\n' },
  ownerReferences: [
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name: 'web-5d9c7b8f6',
      uid: '0b1c',
      controller: true,
      blockOwnerDeletion: true,
    },
  ],
  finalizers: ['foregroundDeletion'],
  managedFields: [
    {
      manager: 'kubectl-create',
      operation: 'Update',
      apiVersion: 'v1',
      time: '2024-05-01T10:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } },
    },
  ],
};

/** fullPod uses most of PodSpec: probes, lifecycle, env sources, security, volumes, affinity. */
function fullPod(): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: storedMeta,
    spec: {
      containers: [
        {
          name: 'web',
          image: 'nginx:1.27',
          imagePullPolicy: 'IfNotPresent',
          command: ['nginx'],
          args: ['-g', 'daemon off;'],
          workingDir: '/srv',
          ports: [
            { name: 'http', containerPort: 80, protocol: 'TCP' },
            { containerPort: 53, hostPort: 5353, protocol: 'UDP', hostIP: '0.0.0.0' },
          ],
          env: [
            { name: 'EMPTY' },
            { name: 'A', value: 'b' },
            {
              name: 'NODE',
              valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } },
            },
            {
              name: 'CPU',
              valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } },
            },
            { name: 'PW', valueFrom: { secretKeyRef: { name: 'db', key: 'pw', optional: false } } },
            { name: 'CM', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } },
          ],
          envFrom: [
            { prefix: 'CFG_', configMapRef: { name: 'cfg' } },
            { secretRef: { name: 'db', optional: true } },
          ],
          resources: {
            requests: { cpu: '100m', memory: '64Mi', 'ephemeral-storage': '1Gi' },
            limits: { cpu: '1500m', memory: '1.5Gi' },
          },
          volumeMounts: [
            { name: 'cfg', mountPath: '/etc/web', readOnly: true },
            {
              name: 'data',
              mountPath: '/data',
              subPath: 'web',
              mountPropagation: 'HostToContainer',
            },
          ],
          livenessProbe: {
            httpGet: {
              path: '/healthz',
              port: 'http',
              scheme: 'HTTP',
              httpHeaders: [{ name: 'X', value: 'y' }],
            },
            initialDelaySeconds: 5,
            periodSeconds: 10,
            timeoutSeconds: 1,
            successThreshold: 1,
            failureThreshold: 3,
          },
          readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 2 },
          startupProbe: {
            exec: { command: ['cat', '/tmp/ready'] },
            failureThreshold: 30,
            terminationGracePeriodSeconds: 0,
          },
          lifecycle: {
            postStart: { exec: { command: ['sh', '-c', 'true'] } },
            preStop: { sleep: { seconds: 5 } },
          },
          securityContext: {
            privileged: false,
            runAsUser: 0,
            runAsGroup: 0,
            runAsNonRoot: false,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          stdin: true,
          tty: true,
        },
      ],
      initContainers: [{ name: 'init', image: 'busybox', restartPolicy: 'Always' }],
      volumes: [
        {
          name: 'cfg',
          configMap: {
            name: 'cfg',
            defaultMode: 420,
            items: [{ key: 'k', path: 'k.conf', mode: 0 }],
          },
        },
        { name: 'sec', secret: { secretName: 'db', defaultMode: 256, optional: true } },
        { name: 'data', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
        { name: 'host', hostPath: { path: '/var/log', type: 'Directory' } },
        { name: 'claim', persistentVolumeClaim: { claimName: 'data', readOnly: true } },
        {
          name: 'proj',
          projected: {
            sources: [
              { serviceAccountToken: { path: 'token', expirationSeconds: 3600, audience: 'api' } },
              {
                downwardAPI: {
                  items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }],
                },
              },
            ],
          },
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 0,
      activeDeadlineSeconds: 600,
      dnsPolicy: 'ClusterFirst',
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      serviceAccountName: 'default',
      automountServiceAccountToken: false,
      nodeName: 'node-1',
      hostNetwork: true,
      securityContext: {
        runAsUser: 1000,
        fsGroup: 2000,
        supplementalGroups: [3000, 4000],
        sysctls: [{ name: 'net.ipv4.ip_local_port_range', value: '1024 65535' }],
      },
      imagePullSecrets: [{ name: 'reg' }],
      hostname: 'web',
      subdomain: 'web',
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] },
            ],
          },
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 1, preference: { matchExpressions: [{ key: 'ssd', operator: 'Exists' }] } },
          ],
        },
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 100,
              podAffinityTerm: {
                labelSelector: { matchLabels: { app: 'web' } },
                topologyKey: 'kubernetes.io/hostname',
              },
            },
          ],
        },
      },
      schedulerName: 'default-scheduler',
      tolerations: [
        {
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
        { key: 'k', operator: 'Equal', value: 'v', effect: 'NoExecute', tolerationSeconds: 0 },
      ],
      hostAliases: [{ ip: '10.0.0.1', hostnames: ['db'] }],
      priority: 0,
      dnsConfig: { nameservers: ['1.1.1.1'], options: [{ name: 'ndots', value: '2' }] },
      enableServiceLinks: true,
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: 'zone',
          whenUnsatisfiable: 'DoNotSchedule',
          labelSelector: { matchLabels: { app: 'web' } },
        },
      ],
    },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-05-01T10:00:05Z' }],
      hostIP: '192.168.50.2',
      podIP: '10.244.1.5',
      podIPs: [{ ip: '10.244.1.5' }],
      startTime: '2024-05-01T10:00:00Z',
      qosClass: 'Burstable',
      containerStatuses: [
        {
          name: 'web',
          state: { running: { startedAt: '2024-05-01T10:00:02Z' } },
          lastState: {
            terminated: {
              exitCode: 0,
              reason: 'Completed',
              startedAt: '2024-05-01T09:00:00Z',
              finishedAt: '2024-05-01T09:59:00Z',
            },
          },
          ready: true,
          restartCount: 1,
          image: 'nginx:1.27',
          imageID: 'sha256:abc',
          containerID: 'tugboat://abc',
          started: true,
        },
      ],
    },
  };
}

describe('protobuf round trips keep the Kubernetes JSON', () => {
  const examples: [string, () => object][] = [
    ['Deployment', exampleDeployment],
    ['ReplicaSet', exampleReplicaSet],
    ['Pod', examplePod],
    ['Service', exampleService],
    ['NodePort Service', exampleNodePortService],
    ['autoscaling/v2 HPA', exampleHpa],
    ['autoscaling/v1 HPA', exampleHpaV1],
    ['ConfigMap', exampleConfigMap],
    ['Secret', exampleSecret],
    ['Namespace', exampleNamespace],
  ];
  for (const [what, make] of examples) {
    it(what, () => expect(roundTrip(make())).toEqual(make()));
  }

  it('a pod using most of PodSpec, with stored metadata and status', () => {
    expect(roundTrip(fullPod())).toEqual(fullPod());
  });

  it('a Node: non-omitempty fields come back even when empty, as in the JSON API', () => {
    const node = exampleNode();
    const out = roundTrip(node) as typeof node;
    expect(out.status?.nodeInfo).toEqual({
      ...node.status?.nodeInfo,
      kubeProxyVersion: '',
    });
    expect({ ...out, status: { ...out.status, nodeInfo: node.status?.nodeInfo } }).toEqual(node);
  });

  it('a tainted, unschedulable Node', () => {
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n' },
      spec: {
        unschedulable: true,
        taints: [{ key: 'k', value: 'v', effect: 'NoSchedule', timeAdded: '2024-05-01T10:00:00Z' }],
      },
    };
    expect(roundTrip(node)).toEqual(node);
  });

  it('a Deployment with strategy, status and conditions', () => {
    const d = {
      ...exampleDeployment(),
      metadata: storedMeta,
      spec: {
        ...exampleDeployment().spec,
        replicas: 0,
        minReadySeconds: 5,
        revisionHistoryLimit: 0,
        progressDeadlineSeconds: 600,
        paused: true,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      },
      status: {
        observedGeneration: 7,
        replicas: 3,
        updatedReplicas: 3,
        readyReplicas: 2,
        availableReplicas: 2,
        unavailableReplicas: 1,
        collisionCount: 0,
        conditions: [
          {
            type: 'Progressing',
            status: 'True',
            reason: 'NewReplicaSetAvailable',
            message: 'ok',
            lastUpdateTime: '2024-05-01T10:00:00Z',
            lastTransitionTime: '2024-05-01T10:00:00Z',
          },
        ],
      },
    };
    expect(roundTrip(d)).toEqual(d);
  });

  it('an autoscaling/v2 HPA with behavior and status', () => {
    const h = {
      ...exampleHpa(),
      spec: {
        ...exampleHpa().spec,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } },
          },
          {
            type: 'Pods',
            pods: {
              metric: { name: 'rps', selector: { matchLabels: { a: 'b' } } },
              target: { type: 'AverageValue', averageValue: '10' },
            },
          },
        ],
        behavior: {
          scaleDown: {
            stabilizationWindowSeconds: 0,
            selectPolicy: 'Max',
            policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
          },
          scaleUp: {
            stabilizationWindowSeconds: 0,
            policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }],
          },
        },
      },
      status: {
        observedGeneration: 1,
        lastScaleTime: '2024-05-01T10:00:00Z',
        currentReplicas: 3,
        desiredReplicas: 0,
        currentMetrics: [
          {
            type: 'Resource',
            resource: { name: 'memory', current: { averageValue: '400Mi', averageUtilization: 0 } },
          },
        ],
        conditions: [
          {
            type: 'AbleToScale',
            status: 'True',
            reason: 'ReadyForNewScale',
            lastTransitionTime: '2024-05-01T10:00:00Z',
          },
        ],
      },
    };
    expect(roundTrip(h)).toEqual(h);
  });

  it('a Lease and an Event carry MicroTime with microseconds', () => {
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'node-1', namespace: 'kube-node-lease' },
      spec: {
        holderIdentity: 'node-1',
        leaseDurationSeconds: 40,
        acquireTime: '2024-05-01T10:00:00.000000Z',
        renewTime: '2024-05-01T10:00:10.123456Z',
        leaseTransitions: 0,
      },
    };
    expect(roundTrip(lease)).toEqual(lease);
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web.17a', namespace: 'default' },
      involvedObject: {
        kind: 'Pod',
        namespace: 'default',
        name: 'web',
        uid: 'u',
        apiVersion: 'v1',
        fieldPath: 'spec.containers{web}',
      },
      reason: 'Pulled',
      message: 'Container image "nginx" already present on machine',
      source: { component: 'kubelet', host: 'node-1' },
      firstTimestamp: '2024-05-01T10:00:00Z',
      lastTimestamp: '2024-05-01T10:00:05Z',
      count: 2,
      type: 'Normal',
      eventTime: '2024-05-01T10:00:00.500000Z',
      series: { count: 2, lastObservedTime: '2024-05-01T10:00:05.000001Z' },
      action: 'Pulling',
      reportingComponent: 'kubelet',
      reportingInstance: 'node-1',
    };
    expect(roundTrip(event)).toEqual(event);
  });

  it('Endpoints, Binding, Eviction, Scale and DeleteOptions', () => {
    const objs = [
      {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'web', namespace: 'default' },
        subsets: [
          {
            addresses: [
              {
                ip: '10.244.1.5',
                nodeName: 'node-1',
                targetRef: { kind: 'Pod', name: 'web-1', namespace: 'default' },
              },
            ],
            notReadyAddresses: [{ ip: '10.244.2.7' }],
            ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
          },
        ],
      },
      {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: 'p' },
        target: { kind: 'Node', name: 'node-1' },
      },
      {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name: 'p', namespace: 'default' },
        deleteOptions: {
          gracePeriodSeconds: 0,
          propagationPolicy: 'Background',
          preconditions: { uid: 'u' },
        },
      },
      {
        apiVersion: 'autoscaling/v1',
        kind: 'Scale',
        metadata: { name: 'web' },
        spec: { replicas: 2 },
        status: { replicas: 3, selector: 'app=web' },
      },
      { apiVersion: 'v1', kind: 'DeleteOptions', dryRun: ['All'], orphanDependents: false },
    ];
    for (const o of objs) expect(roundTrip(o)).toEqual(o);
  });

  it('drops the zero of a non-pointer omitempty field, as the JSON of Go does', () => {
    const scale = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'w' } };
    expect(roundTrip({ ...scale, spec: { replicas: 0 } })).toEqual({ ...scale, spec: {} });
  });
});

describe('the envelope', () => {
  it('starts with k8s\\0 and names the kind', () => {
    const body = encodeObject(exampleHpaV1() as unknown as Record<string, unknown>);
    expect(body.subarray(0, 4)).toEqual(Buffer.from('k8s\0', 'latin1'));
    expect(body.subarray(0, 4)).toEqual(MAGIC);
    const env = unwrapEnvelope(body);
    expect([env.apiVersion, env.kind, env.contentEncoding, env.contentType]).toEqual([
      'autoscaling/v1',
      'HorizontalPodAutoscaler',
      '',
      '',
    ]);
    expect(env.raw.length).toBeGreaterThan(0);
  });

  it('the test encoder refuses fields the schema lacks, so gaps show', () => {
    const pod = { ...examplePod(), spec: { ...examplePod().spec, notAField: 1 } };
    expect(() => encodeObject(pod as unknown as Record<string, unknown>)).toThrow(
      /spec\.notAField/,
    );
  });
});
