import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { main } from '../../cli/index.js';
import { BufferSink } from '../../cli/io.js';
import { buildKubeconfig, writeKubeconfig } from '../../controlplane/client/kubeconfig.js';
import { realClock } from '../../lib/time.js';
import { startApiServer, type TestApiServer } from '../helpers/apiserver.js';

const execFileP = promisify(execFile);

/** Result is what one CLI run printed and its exit code. */
export interface Result {
  out: string;
  err: string;
  code: number;
}

/** RunOptions: stdin text for `-f -`, a signal to stop `-w`, a sink to read output while running. */
export interface RunOptions {
  stdin?: string;
  signal?: AbortSignal;
  stdout?: BufferSink;
}

/**
 * CliHarness is a real etcd + API server, a kubeconfig for it in a temp
 * folder, and ways to run `tug` against it: in-process through `main` (fast),
 * as the built binary, and the real kubectl for comparison.
 */
export interface CliHarness {
  server: TestApiServer;
  dir: string;
  kubeconfig: string;
  tug(args: string[], opts?: RunOptions): Promise<Result>;
  tugBinary(
    args: string[],
    opts?: { stdin?: string; env?: Record<string, string> },
  ): Promise<Result>;
  kubectl(args: string[]): Promise<Result>;
  file(name: string, text: string): Promise<string>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** startCliHarness starts the server and writes the kubeconfig; dispose to stop and clean up. */
export async function startCliHarness(): Promise<CliHarness> {
  const server = await startApiServer();
  const dir = await mkdtemp(join(tmpdir(), 'tug-cli-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeKubeconfig(
    kubeconfig,
    buildKubeconfig({ server: server.url, ca: server.ca, token: server.token }),
  );
  const repo = new URL('../../', import.meta.url).pathname;

  const runProcess = async (
    cmd: string,
    args: string[],
    opts: { stdin?: string; env?: Record<string, string> } = {},
  ): Promise<Result> => {
    const p = execFileP(cmd, args, {
      timeout: 60_000,
      cwd: dir,
      env: { ...process.env, HOME: dir, KUBECONFIG: '', ...opts.env },
    });
    if (opts.stdin !== undefined) {
      p.child.stdin?.end(opts.stdin);
    } else {
      p.child.stdin?.end();
    }
    try {
      const r = await p;
      return { out: r.stdout, err: r.stderr, code: 0 };
    } catch (e) {
      const x = e as { stdout?: string; stderr?: string; code?: number };
      return {
        out: x.stdout ?? '',
        err: x.stderr ?? '',
        code: typeof x.code === 'number' ? x.code : 1,
      };
    }
  };

  return {
    server,
    dir,
    kubeconfig,
    async tug(args, opts = {}) {
      const stdout = opts.stdout ?? new BufferSink();
      const stderr = new BufferSink();
      const code = await main(['--kubeconfig', kubeconfig, ...args], {
        stdout,
        stderr,
        stdin: Readable.from(opts.stdin !== undefined ? [opts.stdin] : []),
        env: { HOME: dir },
        cwd: dir,
        clock: realClock,
        signal: opts.signal ?? new AbortController().signal,
      });
      return { out: stdout.text, err: stderr.text, code };
    },
    tugBinary(args, opts) {
      return runProcess(
        process.execPath,
        [join(repo, 'bin/tug'), '--kubeconfig', kubeconfig, ...args],
        opts,
      );
    },
    kubectl(args) {
      const bin = process.env['KUBECTL'] ?? '/usr/bin/kubectl';
      return runProcess(bin, [
        '--kubeconfig',
        kubeconfig,
        '--cache-dir',
        join(dir, 'kubectl-cache'),
        ...args,
      ]);
    },
    async file(name, text) {
      const p = join(dir, name);
      await mkdir(dirname(p), { recursive: true });
      await writeFile(p, text);
      return p;
    },
    async [Symbol.asyncDispose]() {
      await server[Symbol.asyncDispose]();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** maskAge replaces the AGE column's values (`5s`, `3m2s`, `<invalid>`) so outputs compare. */
export function maskAges(text: string): string {
  return text.replace(/(?<=\s)(\d+[smhdy])+(?=\s|$)|<invalid>/gm, 'AGE');
}

/** deployment is a small Deployment manifest. */
export function deploymentYaml(
  name: string,
  replicas: number,
  image: string,
  labels = `app: ${name}`,
): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    ${labels}
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
      - name: ${name}
        image: ${image}
        ports:
        - containerPort: 8080
`;
}
