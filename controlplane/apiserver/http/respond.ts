import type { ServerResponse } from 'node:http';
import { StatusError, newInternalError } from '../../api/errors.js';
import type { Status } from '../../api/meta.js';

/** writeJson answers `body` as JSON with `code`. */
export function writeJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const data = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': headers['Content-Type'] ?? 'application/json',
    'Content-Length': Buffer.byteLength(data),
    'Cache-Control': 'no-cache, private',
    ...headers,
  });
  res.end(data);
}

/** asStatus turns anything thrown into a Status (500 for what isn't a StatusError). */
export function asStatus(e: unknown): Status {
  return (e instanceof StatusError ? e : newInternalError(e)).status;
}

/** writeStatus answers an error as a metav1.Status. */
export function writeStatus(res: ServerResponse, e: unknown): number {
  const status = asStatus(e);
  if (res.headersSent) {
    res.destroy();
    return status.code;
  }
  const headers: Record<string, string> = {};
  const retry = status.details?.retryAfterSeconds;
  if (retry) headers['Retry-After'] = String(retry);
  writeJson(res, status.code, status, headers);
  return status.code;
}

/** successStatus is the Status answered by operations that return no object. */
export function successStatus(code = 200, details?: Status['details']): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    code,
    ...(details ? { details } : {}),
  };
}

/** Accept describes what representation a client asked for. */
export interface Accept {
  /** as is a meta.k8s.io transformation: a Table, or objects reduced to their metadata. */
  as?: 'Table' | 'PartialObjectMetadata' | 'PartialObjectMetadataList';
  /** protobufOnly: the client accepts nothing but protobuf (406). */
  protobufOnly: boolean;
}

/** parseAccept reads the Accept header the way kubectl sends it (KUBECTL-COMPAT.md §5). */
export function parseAccept(header: string | undefined): Accept {
  if (!header) return { protobufOnly: false };
  let json = false;
  let as: Accept['as'];
  for (const part of header.split(',')) {
    const [mt, ...ps] = part.split(';').map((s) => s.trim());
    const params = new Map(ps.map((p) => p.split('=') as [string, string]));
    const type = (mt ?? '').toLowerCase();
    if (type === 'application/vnd.kubernetes.protobuf') continue;
    if (
      type === 'application/json' ||
      type === '*/*' ||
      type === 'application/*' ||
      type === 'application/yaml'
    ) {
      json = true;
      const a = params.get('as');
      const g = params.get('g');
      if (
        !as &&
        g === 'meta.k8s.io' &&
        (a === 'Table' || a === 'PartialObjectMetadata' || a === 'PartialObjectMetadataList')
      ) {
        as = a;
      }
    }
  }
  return { ...(as ? { as } : {}), protobufOnly: !json };
}
