import { fieldErrors, type FieldPath } from '../field-path.js';
import type { HTTPGetAction, LifecycleHandler, Probe } from '../types/index.js';
import { isSet, nonNegative, portNumErrors, validatePortNumOrName, type Errs } from './helpers.js';

/** Probe and lifecycle handler validation (core validateProbe, validateHandler). */

function validateHttpGet(h: HTTPGetAction, path: FieldPath): Errs {
  const errs: Errs = [];
  if (!isSet(h.path)) errs.push(fieldErrors.required(path.child('path')));
  errs.push(...validatePortNumOrName(h.port, path.child('port')));
  if (h.scheme !== undefined && h.scheme !== 'HTTP' && h.scheme !== 'HTTPS') {
    errs.push(fieldErrors.notSupported(path.child('scheme'), h.scheme, ['HTTP', 'HTTPS']));
  }
  (h.httpHeaders ?? []).forEach((hd, i) => {
    if (!/^[-A-Za-z0-9!#$%&'*+.^_`|~]+$/.test(hd.name ?? '')) {
      errs.push(
        fieldErrors.invalid(
          path.child('httpHeaders').index(i).child('name'),
          hd.name,
          "a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')",
        ),
      );
    }
  });
  return errs;
}

/** validateHandler checks a probe or lifecycle handler: exactly one action, each well formed. */
export function validateHandler(h: Probe | LifecycleHandler, path: FieldPath): Errs {
  const errs: Errs = [];
  let n = 0;
  const one = (name: string, present: boolean, check: () => Errs): void => {
    if (!present) return;
    if (n > 0) {
      errs.push(
        fieldErrors.forbidden(path.child(name), 'may not specify more than 1 handler type'),
      );
      return;
    }
    n++;
    errs.push(...check());
  };
  one('exec', h.exec !== undefined, () =>
    (h.exec?.command ?? []).length === 0
      ? [fieldErrors.required(path.child('exec', 'command'))]
      : [],
  );
  one('httpGet', h.httpGet !== undefined, () => validateHttpGet(h.httpGet!, path.child('httpGet')));
  one('tcpSocket', h.tcpSocket !== undefined, () =>
    validatePortNumOrName(h.tcpSocket?.port, path.child('tcpSocket', 'port')),
  );
  const grpc = 'grpc' in h ? h.grpc : undefined;
  one('grpc', grpc !== undefined, () =>
    portNumErrors(grpc?.port ?? 0).map((m) =>
      fieldErrors.invalid(path.child('grpc', 'port'), grpc?.port, m),
    ),
  );
  const sleep = 'sleep' in h ? h.sleep : undefined;
  one('sleep', sleep !== undefined, () =>
    nonNegative(sleep?.seconds, path.child('sleep', 'seconds')),
  );
  if (n === 0) errs.push(fieldErrors.required(path, 'must specify a handler type'));
  return errs;
}

/** validateProbe checks a probe's handler and timing; liveness and startup probes must succeed once. */
export function validateProbe(p: Probe, path: FieldPath, mustSucceedOnce: boolean): Errs {
  const errs = validateHandler(p, path);
  for (const k of [
    'initialDelaySeconds',
    'timeoutSeconds',
    'periodSeconds',
    'successThreshold',
    'failureThreshold',
  ] as const) {
    errs.push(...nonNegative(p[k], path.child(k)));
  }
  if (p.terminationGracePeriodSeconds !== undefined && p.terminationGracePeriodSeconds <= 0) {
    errs.push(
      fieldErrors.invalid(
        path.child('terminationGracePeriodSeconds'),
        p.terminationGracePeriodSeconds,
        'must be greater than 0',
      ),
    );
  }
  if (mustSucceedOnce && p.successThreshold !== undefined && p.successThreshold !== 1) {
    errs.push(fieldErrors.invalid(path.child('successThreshold'), p.successThreshold, 'must be 1'));
  }
  return errs;
}
