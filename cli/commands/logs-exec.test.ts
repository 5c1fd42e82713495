import { describe, expect, it } from 'vitest';
import type { PodLike } from '../remote/index.js';
import { parseExecArgs } from './exec.js';
import { containersToRead, planLogs, type LogsFlags } from './logs.js';
import { explainNoPodMetrics, goAge } from './top.js';

const flags = (o: Partial<LogsFlags> = {}): LogsFlags => ({
  tail: '-1',
  maxLogRequests: '5',
  podRunningTimeout: '20s',
  ...o,
});

const usage =
  "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n" +
  'POD or TYPE/NAME is a required argument for the logs command\n' +
  "See 'tug logs -h' for help and examples";

describe('tug logs arguments (kubectl wording)', () => {
  it('takes POD, TYPE/NAME or -l, and an optional container as second argument', () => {
    expect(planLogs(['web'], flags())).toMatchObject({ ref: 'web', query: {} });
    expect(planLogs(['deploy/web', 'main'], flags())).toMatchObject({
      ref: 'deploy/web',
      container: 'main',
    });
    expect(() => planLogs([], flags())).toThrow(usage);
    expect(() => planLogs(['a', 'b', 'c'], flags())).toThrow(usage);
    expect(() => planLogs(['web'], flags({ selector: 'app=web' }))).toThrow(
      'only a selector (-l) or a POD name is allowed',
    );
  });

  it('turns flags into PodLogOptions', () => {
    const p = planLogs(
      ['web'],
      flags({
        follow: true,
        previous: true,
        timestamps: true,
        tail: '3',
        since: '1m30s',
        limitBytes: '100',
        container: 'c',
      }),
    );
    expect(p.query).toEqual({
      follow: 'true',
      previous: 'true',
      timestamps: 'true',
      tailLines: '3',
      sinceSeconds: '90',
      limitBytes: '100',
    });
    expect(p).toMatchObject({ follow: true, container: 'c', podTimeoutMs: 20_000, maxRequests: 5 });
    expect(planLogs(['web'], flags({ sinceTime: '2024-05-01T10:00:00Z' })).query).toEqual({
      sinceTime: '2024-05-01T10:00:00Z',
    });
    // kubectl rounds --since to seconds and ignores --limit-bytes=0.
    expect(planLogs(['web'], flags({ since: '400ms', limitBytes: '0' })).query).toEqual({
      sinceSeconds: '0',
    });
  });

  it('shows the last 10 lines per pod with a selector unless --tail says otherwise', () => {
    expect(planLogs([], flags({ selector: 'app=web' })).query).toEqual({ tailLines: '10' });
    expect(planLogs([], flags({ selector: 'app=web', tail: '-1' })).query['tailLines']).toBe('10');
    expect(planLogs([], flags({ selector: 'app=web', tail: '0' })).query).toEqual({
      tailLines: '0',
    });
    expect(planLogs(['web'], flags()).query['tailLines']).toBeUndefined();
  });

  it('refuses contradictory or malformed flags with kubectl messages', () => {
    expect(() => planLogs(['web'], flags({ tail: '-2' }))).toThrow(
      '--tail must be greater than or equal to -1',
    );
    expect(() => planLogs(['web'], flags({ tail: 'x' }))).toThrow(
      'invalid argument "x" for "--tail" flag',
    );
    expect(() =>
      planLogs(['web'], flags({ since: '1s', sinceTime: '2024-01-01T00:00:00Z' })),
    ).toThrow('at most one of `sinceTime` or `sinceSeconds` may be specified');
    expect(() => planLogs(['web'], flags({ since: '-5s' }))).toThrow(
      '--since must be greater than 0',
    );
    expect(() => planLogs(['web'], flags({ since: 'abc' }))).toThrow(
      'invalid argument "abc" for "--since" flag',
    );
    expect(() => planLogs(['web'], flags({ sinceTime: 'yesterday' }))).toThrow(
      'parsing time "yesterday"',
    );
    expect(() => planLogs(['web'], flags({ container: 'a', allContainers: true }))).toThrow(
      '--all-containers=true should not be specified with container name a',
    );
  });

  it('--all-pods implies --prefix', () => {
    expect(planLogs(['deploy/web'], flags({ allPods: true }))).toMatchObject({
      allPods: true,
      prefix: true,
    });
  });

  it('reads the default, the named or every container', () => {
    const pod: PodLike = {
      metadata: { name: 'multi' },
      spec: { initContainers: [{ name: 'init' }], containers: [{ name: 'a' }, { name: 'b' }] },
    };
    const notices: string[] = [];
    expect(containersToRead(pod, { allContainers: false }, (l) => notices.push(l))).toEqual(['a']);
    expect(notices).toEqual(['Defaulted container "a" out of: a, b, init (init)']);
    expect(containersToRead(pod, { allContainers: false, container: 'init' }, () => {})).toEqual([
      'init',
    ]);
    expect(containersToRead(pod, { allContainers: true }, () => {})).toEqual(['init', 'a', 'b']);
    expect(() =>
      containersToRead(pod, { allContainers: false, container: 'zz' }, () => {}),
    ).toThrow('container zz is not valid for pod multi');
  });
});

describe('tug exec arguments (kubectl wording)', () => {
  it('splits POD from the command at --', () => {
    expect(parseExecArgs(['web', 'sh', '-c', 'exit 3'], 1)).toEqual({
      target: 'web',
      command: ['sh', '-c', 'exit 3'],
    });
    expect(parseExecArgs(['deploy/web', 'ls'], 1)).toEqual({
      target: 'deploy/web',
      command: ['ls'],
    });
  });

  it('refuses what kubectl 1.32 refuses', () => {
    expect(() => parseExecArgs([], -1)).toThrow('pod, type/name or --filename must be specified');
    expect(() => parseExecArgs(['true'], 0)).toThrow(
      'pod, type/name or --filename must be specified',
    );
    expect(() => parseExecArgs(['web'], -1)).toThrow(
      'you must specify at least one command for the container',
    );
    expect(() => parseExecArgs(['web'], 1)).toThrow(
      'you must specify at least one command for the container',
    );
    expect(() => parseExecArgs(['web', 'echo', 'hi'], -1)).toThrow(
      'exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead',
    );
  });
});

describe('tug top without metrics', () => {
  const pod = (created: string): PodLike => ({
    metadata: { name: 'p', namespace: 'ns', creationTimestamp: created },
  });
  const now = Date.parse('2024-01-01T00:10:00Z');

  it('explains missing pod metrics as kubectl does', () => {
    expect(explainNoPodMetrics([], now)).toBeUndefined();
    expect(explainNoPodMetrics([pod('2024-01-01T00:09:00Z')], now)).toBe(
      'metrics not available yet',
    );
    expect(explainNoPodMetrics([pod('2024-01-01T00:06:57.5Z')], now)).toBe(
      'Metrics not available for pod ns/p, age: 3m2.5s',
    );
  });

  it('prints ages as Go durations', () => {
    expect(goAge(500)).toBe('0.5s');
    expect(goAge(61_000)).toBe('1m1s');
    expect(goAge(3_600_000)).toBe('1h0m0s');
  });
});
