import { newBadRequest } from '../../api/errors.js';
import type { Ctx } from '../http/context.js';
import type { ResourceRoute } from '../http/router.js';
import type { KubeletClient } from './kubelet-client.js';
import { locatePod } from './pod-location.js';

const BOOL_PARAMS = ['follow', 'previous', 'timestamps'] as const;

function checkBool(q: URLSearchParams, name: string): string | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^(1|t|T|true|TRUE|True|0|f|F|false|FALSE|False)$/.test(v)) {
    throw newBadRequest(`${name}: invalid boolean "${v}"`);
  }
  return v;
}

function checkInt(q: URLSearchParams, name: string, min: number): string | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(Number(v))) {
    throw newBadRequest(`${name}: invalid integer "${v}"`);
  }
  if (Number(v) < min) throw newBadRequest(`${name}: must be greater than or equal to ${min}`);
  return v;
}

/**
 * logQuery checks PodLogOptions as kube-apiserver validates them and returns
 * the query to send the node agent: booleans, tailLines ≥ 0, limitBytes ≥ 1,
 * sinceSeconds ≥ 1 or sinceTime (not both). Anything else is dropped.
 */
export function logQuery(q: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const b of BOOL_PARAMS) {
    const v = checkBool(q, b);
    if (v !== undefined) out.set(b, v);
  }
  const ints: [string, number][] = [
    ['tailLines', 0],
    ['limitBytes', 1],
    ['sinceSeconds', 1],
  ];
  for (const [name, min] of ints) {
    const v = checkInt(q, name, min);
    if (v !== undefined) out.set(name, v);
  }
  const sinceTime = q.get('sinceTime');
  if (sinceTime) {
    if (out.has('sinceSeconds')) {
      throw newBadRequest('at most one of sinceTime or sinceSeconds may be specified');
    }
    if (Number.isNaN(Date.parse(sinceTime))) {
      throw newBadRequest(`sinceTime: invalid RFC 3339 time "${sinceTime}"`);
    }
    out.set('sinceTime', sinceTime);
  }
  return out;
}

/**
 * handleLog serves `GET pods/NAME/log`: finds the pod's node and asks its
 * agent for `/containerLogs/NS/POD/CONTAINER`, then streams the text back
 * as it comes (with `follow`, until either side goes). Failures before the
 * first byte are Status answers (the agent's own ones included).
 */
export async function handleLog(c: Ctx, r: ResourceRoute, kubelet: KubeletClient): Promise<void> {
  const ns = r.namespace!;
  const name = r.name!;
  const query = logQuery(c.query);
  const loc = await locatePod(c.deps.registry, ns, name, c.query.get('container'));
  const gone = new AbortController();
  const signal = AbortSignal.any([gone.signal, c.deps.signal]);
  c.res.once('close', () => gone.abort());
  const q = query.toString();
  const path =
    `/containerLogs/${encodeURIComponent(ns)}/${encodeURIComponent(name)}/` +
    `${encodeURIComponent(loc.container)}${q ? `?${q}` : ''}`;
  const upstream = await kubelet.get(loc.endpoint, path, signal);
  c.res.writeHead(200, {
    'Content-Type': 'text/plain',
    'Cache-Control': 'no-cache, private',
  });
  c.res.flushHeaders();
  await new Promise<void>((resolve) => {
    upstream.on('data', (b: Buffer) => {
      if (!c.res.write(b)) {
        upstream.pause();
        c.res.once('drain', () => upstream.resume());
      }
    });
    upstream.once('end', () => {
      c.res.end();
      resolve();
    });
    // Cut mid-stream (the node went away, or the client did): end what we sent.
    upstream.once('error', () => {
      c.res.destroy();
      resolve();
    });
    upstream.once('close', () => {
      if (!c.res.writableEnded) c.res.destroy();
      resolve();
    });
  });
  gone.abort();
}
