/**
 * A harness for the Deployment controller's unit tests: real informers over
 * FakeListerWatchers, the FakeDeploymentClient, a fake clock, and a crude
 * stand-in for the ReplicaSet controller that sets ReplicaSet status.
 * Not for production use.
 */
import type {
  DeploymentStrategy,
  StoredDeployment,
  StoredPod,
  StoredReplicaSet,
} from '../../api/types/index.js';
import type { IntOrString } from '../../api/types/common.js';
import { FakeClock } from '../../../lib/time.js';
import { formatTime } from '../replicaset/index.js';
import {
  Cache,
  newTestContext,
  settle,
  t0,
  template,
  type TestContext,
} from '../replicaset/testing.js';
import { DeploymentController } from './deployment-controller.js';
import { FakeDeploymentClient } from './testing.js';

export interface DeploymentOpts {
  recreate?: boolean;
  maxSurge?: IntOrString;
  maxUnavailable?: IntOrString;
  minReadySeconds?: number;
  paused?: boolean;
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
  image?: string;
  annotations?: Record<string, string>;
}

/** deployment builds a stored Deployment with the server's defaults filled in. */
export function deployment(
  name: string,
  replicas: number,
  o: DeploymentOpts = {},
): StoredDeployment {
  const strategy: DeploymentStrategy = o.recreate
    ? { type: 'Recreate' }
    : {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: o.maxSurge ?? '25%', maxUnavailable: o.maxUnavailable ?? '25%' },
      };
  const d: StoredDeployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      resourceVersion: '1',
      generation: 1,
      creationTimestamp: formatTime(t0),
    },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: template({ app: name }, o.image ?? 'nginx:1'),
      strategy,
      revisionHistoryLimit: o.revisionHistoryLimit ?? 10,
      progressDeadlineSeconds: o.progressDeadlineSeconds ?? 600,
    },
    status: {},
  };
  if (o.minReadySeconds) d.spec!.minReadySeconds = o.minReadySeconds;
  if (o.paused) d.spec!.paused = true;
  if (o.annotations) d.metadata.annotations = { ...o.annotations };
  return d;
}

/** DeploymentHarness runs one DeploymentController against fakes; see the file comment. */
export class DeploymentHarness {
  readonly clock = new FakeClock(t0);
  readonly ctx: TestContext = newTestContext(this.clock);
  readonly ds = new Cache<StoredDeployment>(this.clock);
  readonly rss = new Cache<StoredReplicaSet>(this.clock);
  readonly pods = new Cache<StoredPod>(this.clock);
  readonly api = new FakeDeploymentClient(this.clock, this.ds.lw, this.rss.lw);
  readonly controller = new DeploymentController(this.ctx, {
    client: this.api,
    deployments: this.ds.informer,
    replicaSets: this.rss.informer,
    pods: this.pods.informer,
  });
  private readonly ac = new AbortController();

  async start(): Promise<void> {
    for (const c of [this.ds, this.rss, this.pods]) void c.informer.run(this.ac.signal);
    for (const c of [this.ds, this.rss, this.pods]) await c.informer.waitForSync(this.ac.signal);
  }

  settle(): Promise<void> {
    return settle(this.ds, this.rss, this.pods);
  }

  /** sync lets the caches catch up, reconciles `default/<name>`, and lets them catch up again. */
  async sync(name = 'web'): Promise<void> {
    await this.settle();
    await this.controller.reconcile(`default/${name}`);
    await this.settle();
  }

  get d(): StoredDeployment {
    return this.api.deployment('default', 'web')!;
  }

  /** owned lists the ReplicaSets controlled by the Deployment, oldest first. */
  owned(name = 'web'): StoredReplicaSet[] {
    const uid = this.api.deployment('default', name)?.metadata.uid;
    return this.api
      .replicaSetList()
      .filter((rs) => rs.metadata.ownerReferences?.some((r) => r.uid === uid))
      .sort((a, b) => a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp));
  }

  /**
   * runPods plays the ReplicaSet controller: each ReplicaSet's pods become
   * its spec.replicas; pods already available stay so (up to the new size),
   * new ones become available only when `ready` says so.
   */
  async runPods(ready: (rs: StoredReplicaSet) => boolean = () => true): Promise<void> {
    for (const rs of this.api.replicaSetList()) {
      const want = rs.spec?.replicas ?? 1;
      const kept = Math.min(rs.status?.availableReplicas ?? 0, want);
      const available = ready(rs) ? want : kept;
      this.api.setReplicaSetStatus('default', rs.metadata.name, {
        replicas: want,
        fullyLabeledReplicas: want,
        readyReplicas: available,
        availableReplicas: available,
        observedGeneration: rs.metadata.generation ?? 1,
      });
    }
    await this.settle();
  }

  stop(): void {
    this.ac.abort();
    this.controller.queue.shutDown();
  }
}
