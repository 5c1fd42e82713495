import { describe, expect, it } from 'vitest';
import { FitError, fitErrorMessage } from './fit-error.js';
import { unresolvable, unschedulable, withPlugin, type Status } from './status.js';

const statuses = (entries: [string, Status][]) => new Map(entries);

describe('fitErrorMessage', () => {
  it('counts reasons per node, sorted as strings, like kube-scheduler', () => {
    const msg = fitErrorMessage(
      3,
      statuses([
        ['a', unschedulable('Insufficient cpu')],
        ['b', unschedulable('Insufficient cpu')],
        ['c', unresolvable('node(s) had untolerated taint {dedicated: gpu}')],
      ]),
    );
    expect(msg).toBe(
      '0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient cpu.',
    );
  });

  it('counts every reason of a node', () => {
    const msg = fitErrorMessage(
      2,
      statuses([
        ['a', unschedulable('Insufficient cpu', 'Insufficient memory')],
        ['b', unschedulable('Insufficient memory')],
      ]),
    );
    expect(msg).toBe('0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory.');
  });

  it('sorts by the whole string, count first', () => {
    const msg = fitErrorMessage(
      12,
      statuses([
        ...Array.from({ length: 10 }, (_, i): [string, Status] => [
          `u${i}`,
          unresolvable('node(s) were unschedulable'),
        ]),
        ['p', unschedulable("node(s) didn't have free ports for the requested pod ports")],
        ['s', unresolvable("node(s) didn't match Pod's node affinity/selector")],
      ]),
    );
    expect(msg).toBe(
      "0/12 nodes are available: 1 node(s) didn't have free ports for the requested pod ports, " +
        "1 node(s) didn't match Pod's node affinity/selector, 10 node(s) were unschedulable.",
    );
  });

  it('has kube-scheduler text for an empty cluster', () => {
    expect(fitErrorMessage(0, new Map())).toBe('no nodes available to schedule pods');
  });
});

describe('FitError', () => {
  it('carries the message and the plugins that rejected nodes', () => {
    const e = new FitError(
      2,
      statuses([
        ['a', withPlugin(unschedulable('Insufficient cpu'), 'NodeResourcesFit')],
        ['b', withPlugin(unresolvable('node(s) were unschedulable'), 'NodeUnschedulable')],
      ]),
    );
    expect(e.name).toBe('FitError');
    expect(e.message).toBe(
      '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable.',
    );
    expect([...e.unschedulablePlugins()].sort()).toEqual(['NodeResourcesFit', 'NodeUnschedulable']);
  });
});
