/**
 * Local clusters for the CLI's end-to-end tests, made and removed with the
 * `tug up` / `tug down` binary itself (state under /var/lib/tug, where
 * clusters claim distinct address ranges), plus the manifests and waits
 * those tests share.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findResource } from '../controlplane/api/resources.js';
import type { Pod, StoredPod } from '../controlplane/api/types/index.js';
import { loadKubeconfig, RestClient, type ResourceClient } from '../controlplane/client/index.js';
import { waitFor } from '../lib/wait.js';
import {
  clusterMarks,
  hostState,
  readClusterConfig,
  Tug,
  type ClusterMarks,
  type HostState,
} from './cli-support.js';
import { isReady } from './fixtures.js';

const exec = promisify(execFile);
const STATE_PARENT = '/var/lib/tug';
const podsInfo = findResource('', 'v1', 'pods')!;

/** LiveCluster is a cluster made by `tug up` for a test file. */
export interface LiveCluster {
  name: string;
  stateDir: string;
  /** upOutput is what `tug up` printed. */
  upOutput: string;
  /** tug runs the binary with `--kubeconfig <state>/admin.kubeconfig`. */
  tug: Tug;
  /** client is for waiting on conditions (what is tested goes through `tug`). */
  client: RestClient;
  pods: ResourceClient<Pod>;
  marks: ClusterMarks;
  /** before is what the host held before `tug up` (all of it: filtered when compared). */
  before: HostState;
  down: boolean;
}

/**
 * tugUp runs `tug up --name PREFIX-RANDOM --nodes N --state-dir … [--no-demo]`
 * (HOME private to `home`), reading the host first; on failure it runs
 * `tug down` for what was made and throws with everything printed.
 */
export async function tugUp(
  home: string,
  prefix: string,
  nodes: number,
  o: { demo?: boolean } = {},
): Promise<LiveCluster> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  const stateDir = join(STATE_PARENT, name);
  const before = await hostState();
  const bare = new Tug(home);
  const r = await bare.run(
    [
      'up',
      '--name',
      name,
      '--nodes',
      String(nodes),
      '--state-dir',
      stateDir,
      ...(o.demo ? [] : ['--no-demo']),
    ],
    { timeoutMs: 300_000 },
  );
  if (r.code !== 0 || !r.out.includes(`${nodes} node(s) Ready after`)) {
    await bare.run(['down', '--name', name, '--state-dir', stateDir], { timeoutMs: 180_000 });
    throw new Error(`tug up ${name} failed (${r.code}):\n${r.out}\n${r.err}`);
  }
  const kubeconfig = join(stateDir, 'admin.kubeconfig');
  const client = new RestClient(await loadKubeconfig({ path: kubeconfig, env: {} }));
  return {
    name,
    stateDir,
    upOutput: r.out,
    before,
    down: false,
    tug: new Tug(home, kubeconfig),
    client,
    pods: client.resource<Pod>(podsInfo, 'default'),
    // Read while the cluster exists: its address ranges come from cluster.json.
    marks: clusterMarks(await readClusterConfig(stateDir), stateDir),
  };
}

/** tugDown runs `tug down` for a cluster once (idempotent); a failure throws with its output. */
export async function tugDown(home: string, c: LiveCluster | undefined): Promise<void> {
  if (!c || c.down) return;
  c.down = true;
  c.client.close();
  const r = await new Tug(home).run(['down', '--name', c.name, '--state-dir', c.stateDir], {
    timeoutMs: 180_000,
  });
  if (r.code !== 0) throw new Error(`tug down ${c.name} failed (${r.code}):\n${r.out}\n${r.err}`);
}

/** readyPods lists the live pods matching `selector` once there are exactly `n`, all ready. */
export async function readyPods(
  c: LiveCluster,
  selector: string,
  n: number,
): Promise<StoredPod[] | undefined> {
  const live = (await c.pods.list({ labelSelector: selector })).items.filter(
    (p) => !p.metadata.deletionTimestamp,
  );
  return live.length === n && live.every(isReady) ? live : undefined;
}

/** runningPod waits until a pod's first container runs. */
export function runningPod(c: LiveCluster, name: string, timeoutMs = 120_000): Promise<StoredPod> {
  return waitFor(
    async () => {
      const p = await c.pods.get(name).catch(() => undefined);
      return p?.status?.containerStatuses?.[0]?.state?.running ? p : undefined;
    },
    { timeoutMs, intervalMs: 500, what: `pod ${name} running in ${c.name}` },
  );
}

/** curl fetches a URL from the host (routed to every node's pod CIDR); -f makes an HTTP error a failure. */
export const curl = async (url: string): Promise<string> =>
  (await exec('curl', ['-sf', '--max-time', '5', url], { timeout: 10_000 })).stdout;

/** webYaml is a Deployment of the test webserver (ready on /healthz), its Service and a ConfigMap. */
export const webYaml = (replicas: number, greeting: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: web
        image: docker.io/tugboat/webserver:1
        ports:
        - containerPort: 8080
        readinessProbe:
          httpGet: {path: /healthz, port: 8080}
          periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
data:
  greeting: ${greeting}
`;

/** talkerYaml is a pod that prints `first`, then `tick N` every second. */
export const talkerYaml = `apiVersion: v1
kind: Pod
metadata:
  name: talker
  labels: {app: talker}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: docker.io/library/busybox:1.35
    command: ["sh", "-c", "trap 'exit 0' TERM; echo first; i=0; while true; do i=$((i+1)); echo \\"tick $i\\"; sleep 1; done"]
`;

/** helloImage is a build context: FROM busybox, a script that greets then ticks, as its CMD. */
export const helloImage = {
  'hello.sh': `trap 'exit 0' TERM\necho "hello from hello:v1"\ni=0\nwhile true; do i=$((i+1)); echo "tick $i"; sleep 1; done\n`,
  Dockerfile: 'FROM busybox\nCOPY hello.sh /hello.sh\nCMD ["sh", "/hello.sh"]\n',
};
