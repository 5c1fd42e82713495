import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCa, generateCert, type KeyPair } from '../../lib/pki.js';
import {
  buildKubeconfig,
  isKubeconfigError,
  loadKubeconfig,
  parseKubeconfig,
  readKubeconfig,
  stringifyKubeconfig,
  writeKubeconfig,
  type KubeconfigErrorReason,
} from './kubeconfig.js';
import { RestClient } from './rest-client.js';

const run = promisify(execFile);

let dir: string;
let ca: KeyPair;
let clientPair: KeyPair;
let server: Server;
let serverUrl: string;
const seen: { auth: string | undefined; cn: string | undefined; url: string }[] = [];

/** kubectl runs the real kubectl with a private HOME and discovery cache. */
async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run('kubectl', [...args, '--cache-dir', join(dir, 'cache')], {
    env: { ...process.env, HOME: dir, KUBECONFIG: '' },
    timeout: 30_000,
  });
  return stdout;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tug-kubeconfig-'));
  ca = await generateCa('kubeconfig-test-ca');
  const serving = await generateCert(ca, { commonName: 'apiserver', ips: ['127.0.0.1'] });
  clientPair = await generateCert(ca, { commonName: 'bob', usage: ['client'] });
  server = createServer(
    {
      cert: serving.cert,
      key: serving.key,
      ca: ca.cert,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      const cn = peer && 'subject' in peer && peer.subject ? String(peer.subject.CN) : undefined;
      seen.push({ auth: req.headers['authorization'], cn, url: req.url ?? '' });
      if (req.headers['authorization'] !== 'Bearer t0ken' && cn !== 'bob') {
        res.writeHead(401, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            reason: 'Unauthorized',
            code: 401,
          }),
        );
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ major: '1', minor: '32', gitVersion: 'v1.32.0-tugboat' }));
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  serverUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await rm(dir, { recursive: true, force: true });
});

async function reason(p: Promise<unknown>): Promise<KubeconfigErrorReason | string> {
  try {
    await p;
    return 'no error';
  } catch (e) {
    return isKubeconfigError(e) ? e.reason : `other: ${String(e)}`;
  }
}

describe('kubeconfig', () => {
  it('writes a 0600 file that loads back to the same RestConfig', async () => {
    const path = join(dir, 'sub', 'config');
    await writeKubeconfig(
      path,
      buildKubeconfig({ server: serverUrl, ca: ca.cert, token: 't0ken', namespace: 'demo' }),
    );
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await loadKubeconfig({ path })).toEqual({
      server: serverUrl,
      ca: ca.cert,
      token: 't0ken',
      namespace: 'demo',
    });
  });

  it('is read by the real kubectl: config view, get-contexts, and a request with CA and token', async () => {
    const path = join(dir, 'kubectl-config');
    await writeKubeconfig(
      path,
      buildKubeconfig({ server: serverUrl, ca: ca.cert, token: 't0ken', namespace: 'demo' }),
    );
    const view = JSON.parse(
      await kubectl('--kubeconfig', path, 'config', 'view', '--raw', '-o', 'json'),
    );
    expect(view['current-context']).toBe('tugboat');
    expect(view.clusters[0]).toEqual({
      name: 'tugboat',
      cluster: {
        server: serverUrl,
        'certificate-authority-data': Buffer.from(ca.cert).toString('base64'),
      },
    });
    expect(view.users[0]).toEqual({ name: 'tugboat-admin', user: { token: 't0ken' } });
    expect(view.contexts[0].context).toEqual({
      cluster: 'tugboat',
      user: 'tugboat-admin',
      namespace: 'demo',
    });
    const contexts = await kubectl('--kubeconfig', path, 'config', 'get-contexts');
    expect(contexts.split('\n')[1]?.split(/\s+/)).toEqual([
      '*',
      'tugboat',
      'tugboat',
      'tugboat-admin',
      'demo',
    ]);
    seen.length = 0;
    const version = JSON.parse(await kubectl('--kubeconfig', path, 'get', '--raw', '/version'));
    expect(version.gitVersion).toBe('v1.32.0-tugboat');
    expect(seen.some((s) => s.url === '/version' && s.auth === 'Bearer t0ken')).toBe(true);
  });

  it('reads what kubectl writes, with file references, and a client certificate that works', async () => {
    const path = join(dir, 'from-kubectl');
    const certs = join(dir, 'certs');
    await run('mkdir', ['-p', certs]);
    await writeFile(join(certs, 'ca.crt'), ca.cert);
    await writeFile(join(certs, 'bob.crt'), clientPair.cert);
    await writeFile(join(certs, 'bob.key'), clientPair.key, { mode: 0o600 });
    await kubectl(
      '--kubeconfig',
      path,
      'config',
      'set-cluster',
      'c1',
      `--server=${serverUrl}`,
      `--certificate-authority=${join(certs, 'ca.crt')}`,
    );
    await kubectl(
      '--kubeconfig',
      path,
      'config',
      'set-credentials',
      'bob',
      `--client-certificate=${join(certs, 'bob.crt')}`,
      `--client-key=${join(certs, 'bob.key')}`,
    );
    await kubectl(
      '--kubeconfig',
      path,
      'config',
      'set-context',
      'ctx',
      '--cluster=c1',
      '--user=bob',
    );
    await kubectl('--kubeconfig', path, 'config', 'use-context', 'ctx');
    const cfg = await loadKubeconfig({ path });
    expect(cfg).toEqual({
      server: serverUrl,
      ca: ca.cert,
      cert: clientPair.cert,
      key: clientPair.key,
    });
    const c = new RestClient(cfg);
    try {
      seen.length = 0;
      expect(await c.request({ path: '/version' })).toMatchObject({ minor: '32' });
      expect(seen[0]?.cn).toBe('bob');
    } finally {
      c.close();
    }
  });

  it('merges a KUBECONFIG list as kubectl does: first file wins per name, missing files skipped', async () => {
    const a = join(dir, 'a.yaml');
    const b = join(dir, 'b.yaml');
    await writeFile(
      a,
      stringifyKubeconfig({
        clusters: [{ name: 'shared', server: 'https://a:1' }],
        users: [{ name: 'u', token: 'from-a' }],
        contexts: [{ name: 'ca', cluster: 'shared', user: 'u' }],
        currentContext: 'ca',
      }),
    );
    await writeFile(
      b,
      stringifyKubeconfig({
        clusters: [
          { name: 'shared', server: 'https://b:1' },
          { name: 'only-b', server: 'https://b:2' },
        ],
        users: [{ name: 'u', token: 'from-b' }],
        contexts: [{ name: 'cb', cluster: 'only-b', user: 'u', namespace: 'nb' }],
        currentContext: 'cb',
      }),
    );
    const env = { KUBECONFIG: [join(dir, 'missing'), a, b].join(':') };
    expect(await loadKubeconfig({ env })).toEqual({ server: 'https://a:1', token: 'from-a' });
    expect(await loadKubeconfig({ env, context: 'cb' })).toEqual({
      server: 'https://b:2',
      token: 'from-a',
      namespace: 'nb',
    });
    const merged = await readKubeconfig({ env });
    expect(merged.clusters.map((c) => c.name)).toEqual(['shared', 'only-b']);
    // kubectl agrees on the merged view
    const { stdout } = await run('kubectl', ['config', 'view', '-o', 'json'], {
      env: { ...process.env, HOME: dir, KUBECONFIG: env.KUBECONFIG },
    });
    const view = JSON.parse(stdout);
    expect(view['current-context']).toBe('ca');
    expect(view.clusters.find((c: { name: string }) => c.name === 'shared').cluster.server).toBe(
      'https://a:1',
    );
    // a KUBECONFIG given but an explicit path wins; the HOME default is used without either
    expect(await loadKubeconfig({ env, path: b })).toMatchObject({ server: 'https://b:2' });
    await writeKubeconfig(
      join(dir, 'home', '.kube', 'config'),
      buildKubeconfig({ server: 'https://home:1' }),
    );
    expect(await loadKubeconfig({ env: { HOME: join(dir, 'home') } })).toEqual({
      server: 'https://home:1',
    });
  });

  it('resolves relative file paths against the kubeconfig folder', async () => {
    const sub = join(dir, 'rel');
    await run('mkdir', ['-p', sub]);
    await writeFile(join(sub, 'ca.pem'), ca.cert);
    await writeFile(join(sub, 'token'), 'tok-from-file\n');
    const path = join(sub, 'config');
    await writeFile(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: c',
        '  cluster: {server: "https://x:6443", certificate-authority: ca.pem}',
        'users:',
        '- name: u',
        '  user: {tokenFile: token}',
        'contexts:',
        '- name: k',
        '  context: {cluster: c, user: u}',
        'current-context: k',
      ].join('\n'),
    );
    expect(await loadKubeconfig({ path })).toEqual({
      server: 'https://x:6443',
      ca: ca.cert,
      token: 'tok-from-file',
    });
  });

  it('gives clear typed errors', async () => {
    const w = async (name: string, text: string): Promise<string> => {
      const p = join(dir, name);
      await writeFile(p, text);
      return p;
    };
    expect(await reason(loadKubeconfig({ path: join(dir, 'nope') }))).toBe('FileNotFound');
    expect(await reason(loadKubeconfig({ env: { KUBECONFIG: join(dir, 'nope') } }))).toBe(
      'FileNotFound',
    );
    expect(await reason(loadKubeconfig({ path: await w('bad.yaml', 'clusters: [\n') }))).toBe(
      'Malformed',
    );
    const notList = await reason(readKubeconfig({ path: await w('bad2.yaml', 'clusters: 3\n') }));
    expect(notList).toBe('Malformed');
    expect(() => parseKubeconfig('clusters:\n- name: c\n  cluster: {}\n', 'f.yaml')).toThrow(
      /clusters\[0\]\.cluster\.server: required/,
    );
    expect(() => parseKubeconfig('users:\n- user: {token: x}\n')).toThrow(/users\[0\]\.name/);
    const ok = stringifyKubeconfig(buildKubeconfig({ server: 'https://x:1' }));
    const path = await w('ok.yaml', ok);
    expect(await reason(loadKubeconfig({ path, context: 'other' }))).toBe('ContextNotFound');
    expect(await reason(loadKubeconfig({ path: await w('empty.yaml', '') }))).toBe(
      'NoCurrentContext',
    );
    const dangling = stringifyKubeconfig({
      clusters: [],
      users: [],
      contexts: [{ name: 'k', cluster: 'gone', user: '' }],
      currentContext: 'k',
    });
    expect(await reason(loadKubeconfig({ path: await w('dangling.yaml', dangling) }))).toBe(
      'ClusterNotFound',
    );
    const missingCa = stringifyKubeconfig({
      clusters: [{ name: 'c', server: 'https://x:1', caFile: join(dir, 'no-ca.pem') }],
      users: [],
      contexts: [{ name: 'k', cluster: 'c', user: '' }],
      currentContext: 'k',
    });
    expect(await reason(loadKubeconfig({ path: await w('noca.yaml', missingCa) }))).toBe(
      'FileUnreadable',
    );
  });
});
