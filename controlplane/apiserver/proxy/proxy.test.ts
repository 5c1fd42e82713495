import { describe, expect, it } from 'vitest';
import { StatusError, isBadRequest, isServiceUnavailable } from '../../api/errors.js';
import type { ApiObject } from '../registry/types.js';
import { execPath } from './exec.js';
import { endpointOf, statusFromAgent } from './kubelet-client.js';
import { logQuery } from './log.js';
import { chooseContainer } from './pod-location.js';

const pod = (containers: string[], init: string[] = []): ApiObject =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web',
      namespace: 'default',
      uid: 'u',
      resourceVersion: '1',
      creationTimestamp: '',
    },
    spec: {
      containers: containers.map((name) => ({ name })),
      initContainers: init.map((name) => ({ name })),
    },
  }) as unknown as ApiObject;

const badRequest = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(isBadRequest(e)).toBe(true);
    return (e as Error).message;
  }
  throw new Error('did not throw');
};

describe('chooseContainer', () => {
  it('takes the named container, or the only one', () => {
    expect(chooseContainer(pod(['a']), null)).toBe('a');
    expect(chooseContainer(pod(['a', 'b'], ['i']), 'b')).toBe('b');
    expect(chooseContainer(pod(['a', 'b'], ['i']), 'i')).toBe('i');
  });

  it('refuses like kube-apiserver: several containers, or an unknown one', () => {
    expect(badRequest(() => chooseContainer(pod(['a', 'b']), null))).toBe(
      'a container name must be specified for pod web, choose one of: [a b]',
    );
    expect(badRequest(() => chooseContainer(pod(['a', 'b'], ['i']), null))).toBe(
      'a container name must be specified for pod web, choose one of: [a b] or one of the init containers: [i]',
    );
    expect(badRequest(() => chooseContainer(pod(['a']), 'nope'))).toBe(
      'container nope is not valid for pod web',
    );
  });
});

describe('logQuery', () => {
  it('passes the PodLogOptions the agent reads and drops the rest', () => {
    const q = new URLSearchParams(
      'container=c&follow=true&tailLines=10&timestamps=1&previous=false&limitBytes=5&pretty=true',
    );
    expect(logQuery(q).toString()).toBe(
      'follow=true&previous=false&timestamps=1&tailLines=10&limitBytes=5',
    );
  });

  it('validates numbers and since', () => {
    expect(badRequest(() => logQuery(new URLSearchParams('tailLines=-5')))).toContain('tailLines');
    expect(badRequest(() => logQuery(new URLSearchParams('sinceSeconds=0')))).toContain(
      'sinceSeconds',
    );
    expect(
      badRequest(() =>
        logQuery(new URLSearchParams('sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z')),
      ),
    ).toContain('at most one');
    expect(badRequest(() => logQuery(new URLSearchParams('follow=yes')))).toContain('follow');
  });
});

describe('execPath', () => {
  it('keeps the command arguments in order and the stream flags', () => {
    const q = new URLSearchParams(
      'command=sh&command=-c&command=echo%20a%26b&container=c&stdout=true&stderr=true&x=1',
    );
    expect(execPath('ns', 'p', 'c', q)).toBe(
      '/exec/ns/p/c?command=sh&command=-c&command=echo+a%26b&stdout=true&stderr=true',
    );
    expect(badRequest(() => execPath('ns', 'p', 'c', new URLSearchParams('stdout=1')))).toContain(
      'command',
    );
  });
});

describe('endpointOf', () => {
  const node = (
    port: number | undefined,
    addresses = [{ type: 'InternalIP', address: '10.0.0.2' }],
  ) => ({
    metadata: { name: 'n1' },
    status: {
      addresses: [{ type: 'Hostname', address: 'n1' }, ...addresses],
      ...(port !== undefined ? { daemonEndpoints: { kubeletEndpoint: { Port: port } } } : {}),
    },
  });

  it("uses the InternalIP and the node's reported port (10250 when none)", () => {
    expect(endpointOf(node(10260))).toEqual({ node: 'n1', host: '10.0.0.2', port: 10260 });
    expect(endpointOf(node(undefined)).port).toBe(10250);
    expect(endpointOf(node(1, [])).host).toBe('n1');
  });

  it('refuses a node that serves no endpoint', () => {
    try {
      endpointOf(node(0));
      expect.unreachable();
    } catch (e) {
      expect(isServiceUnavailable(e)).toBe(true);
    }
  });
});

describe('statusFromAgent', () => {
  it("keeps the agent's Status, or wraps its text", () => {
    const st = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'container "c" in pod "p" is waiting to start: ContainerCreating',
      reason: 'BadRequest',
      code: 400,
    };
    const e = statusFromAgent(400, JSON.stringify(st));
    expect(e).toBeInstanceOf(StatusError);
    expect(e.status).toEqual(st);
    expect(statusFromAgent(500, 'boom\n').status).toMatchObject({
      code: 500,
      reason: 'InternalError',
      message: 'boom',
    });
  });
});
