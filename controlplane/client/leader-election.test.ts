import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConflict, newConflict, newNotFound } from '../api/errors.js';
import { findResource } from '../api/resources.js';
import type { Lease } from '../api/types/index.js';
import { FakeClock } from '../../lib/time.js';
import { LeaderElector, microTime, type LeaderElectionRecord } from './leader-election.js';
import { leaseLock } from './lease-lock.js';
import { RestClient } from './rest-client.js';
import { FakeLeaseStore, type FakeLeaseLock } from './testing.js';

/** flush lets every pending continuation run; no wall-clock time involved. */
async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/** elapse moves the fake clock forward in small steps, letting loops react to each. */
async function elapse(clock: FakeClock, ms: number, onStep?: () => void): Promise<void> {
  for (let t = 0; t < ms; t += 100) {
    clock.advance(100);
    await flush();
    onStep?.();
  }
}

interface Candidate {
  id: string;
  lock: FakeLeaseLock;
  elector: LeaderElector;
  ac: AbortController;
  done: Promise<void>;
  log: string[];
  leadingSignal: AbortSignal | undefined;
}

function candidate(
  store: FakeLeaseStore,
  clock: FakeClock,
  id: string,
  work?: (signal: AbortSignal) => Promise<void>,
): Candidate {
  const lock = store.lock(id);
  const c: Partial<Candidate> = { id, lock, log: [], ac: new AbortController() };
  c.elector = new LeaderElector({
    lock,
    identity: id,
    clock,
    random: () => 0,
    callbacks: {
      onStartedLeading: (signal) => {
        c.leadingSignal = signal;
        c.log?.push('started');
        signal.addEventListener('abort', () =>
          c.log?.push(`work stopped (holder ${store.record?.holderIdentity || 'none'})`),
        );
        return work?.(signal);
      },
      onStoppedLeading: () => c.log?.push('stopped'),
      onNewLeader: (who) => c.log?.push(`leader ${who}`),
    },
  });
  c.done = c.elector.run((c.ac as AbortController).signal);
  return c as Candidate;
}

describe('LeaderElector', () => {
  it('one candidate leads; when it stops renewing the other takes over once the lease expired', async () => {
    const clock = new FakeClock();
    const store = new FakeLeaseStore();
    const a = candidate(store, clock, 'a');
    await flush();
    expect(a.elector.isLeader()).toBe(true);
    expect(store.record).toMatchObject({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      leaseTransitions: 0,
      acquireTime: microTime(clock.now()),
    });
    expect(store.record?.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const b = candidate(store, clock, 'b');
    await elapse(clock, 20_000);
    expect(b.elector.isLeader()).toBe(false);
    expect(b.log).toEqual(['leader a']);
    expect(store.writes.filter((w) => w.by === 'a').length).toBeGreaterThanOrEqual(10);

    // a is cut off: its renewals fail from now on.
    a.lock.broken = true;
    const lastRenewal = clock.now();
    let aStoppedAt = 0;
    let bLeadAt = 0;
    await elapse(clock, 25_000, () => {
      if (!aStoppedAt && a.log.includes('stopped')) aStoppedAt = clock.now();
      if (!bLeadAt && b.elector.isLeader()) bLeadAt = clock.now();
    });
    await a.done;
    // a gives up after renewDeadline (10 s) of failed renewals, without a successful release
    expect(aStoppedAt - lastRenewal).toBeGreaterThanOrEqual(10_000);
    expect(aStoppedAt - lastRenewal).toBeLessThanOrEqual(12_000);
    expect(a.leadingSignal?.aborted).toBe(true);
    // b waits for the lease to expire (15 s after the last change it saw), then takes over
    expect(bLeadAt - lastRenewal).toBeGreaterThanOrEqual(15_000);
    expect(bLeadAt - lastRenewal).toBeLessThanOrEqual(19_000);
    expect(store.record).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    expect(b.log).toEqual(['leader a', 'leader b', 'started']);
    b.ac.abort();
    await b.done;
  });

  it('releases the lease on cancel after the work stopped, so a successor takes over at once', async () => {
    const clock = new FakeClock();
    const store = new FakeLeaseStore();
    const a = candidate(store, clock, 'a');
    await flush();
    const b = candidate(store, clock, 'b');
    await elapse(clock, 3000);
    a.ac.abort();
    await a.done;
    expect(a.log).toEqual(['leader a', 'started', 'work stopped (holder a)', 'stopped']);
    expect(store.record).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    expect(a.elector.isLeader()).toBe(false);
    const releasedAt = clock.now();
    let bLeadAt = 0;
    await elapse(clock, 5000, () => {
      if (!bLeadAt && b.elector.isLeader()) bLeadAt = clock.now();
    });
    expect(bLeadAt).toBeGreaterThan(0);
    expect(bLeadAt - releasedAt).toBeLessThanOrEqual(2100); // one retry period, not a lease duration
    expect(store.record).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    b.ac.abort();
    await b.done;
  });

  it('lets exactly one of two simultaneous candidates win a create race and an update race', async () => {
    const clock = new FakeClock();
    const store = new FakeLeaseStore();
    const a = candidate(store, clock, 'a');
    const b = candidate(store, clock, 'b');
    await elapse(clock, 5000);
    expect([a.elector.isLeader(), b.elector.isLeader()].filter(Boolean)).toHaveLength(1);
    expect(store.rejected).toBeGreaterThanOrEqual(1);
    const started = [...a.log, ...b.log].filter((l) => l === 'started');
    expect(started).toHaveLength(1);
    a.ac.abort();
    b.ac.abort();
    await Promise.all([a.done, b.done]);

    // A dead holder's lease: both wait for it to expire, then race to update it.
    const store2 = new FakeLeaseStore();
    const stale: LeaderElectionRecord = {
      holderIdentity: 'dead',
      leaseDurationSeconds: 15,
      acquireTime: microTime(0),
      renewTime: microTime(0),
      leaseTransitions: 4,
    };
    store2.record = stale;
    store2.version = 1;
    const c = candidate(store2, clock, 'c');
    const d = candidate(store2, clock, 'd');
    await elapse(clock, 14_000);
    expect(c.elector.isLeader() || d.elector.isLeader()).toBe(false);
    await elapse(clock, 6000);
    expect([c.elector.isLeader(), d.elector.isLeader()].filter(Boolean)).toHaveLength(1);
    expect(store2.rejected).toBeGreaterThanOrEqual(1);
    expect(store2.record?.leaseTransitions).toBe(5);
    c.ac.abort();
    d.ac.abort();
    await Promise.all([c.done, d.done]);
  });

  it('steps down and releases when the leader work fails', async () => {
    const clock = new FakeClock();
    const store = new FakeLeaseStore();
    const a = candidate(store, clock, 'a', () => Promise.reject(new Error('controller crashed')));
    await a.done;
    expect(a.log).toEqual(['leader a', 'started', 'work stopped (holder a)', 'stopped']);
    expect(store.record?.holderIdentity).toBe('');
  });

  it('validates its timing and runs once', async () => {
    const lock = new FakeLeaseStore().lock('x');
    const cb = { onStartedLeading: () => {} };
    expect(
      () => new LeaderElector({ lock, identity: 'x', callbacks: cb, leaseDurationMs: 10_000 }),
    ).toThrow(RangeError);
    expect(
      () => new LeaderElector({ lock, identity: 'x', callbacks: cb, retryPeriodMs: 9000 }),
    ).toThrow(RangeError);
    expect(() => new LeaderElector({ lock, identity: '', callbacks: cb })).toThrow(RangeError);
    const e = new LeaderElector({ lock, identity: 'x', callbacks: cb, clock: new FakeClock() });
    const done = e.run(AbortSignal.abort());
    await expect(e.run(AbortSignal.abort())).rejects.toThrow(/already started/);
    await done;
  });
});

describe('leaseLock over the REST client', () => {
  let server: Server;
  let lease: (Lease & { metadata: { resourceVersion: string } }) | undefined;
  let rv = 0;
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        requests.push(`${req.method} ${req.url}`);
        const send = (code: number, obj: unknown): void => {
          res.writeHead(code, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(obj));
        };
        const gr = { group: 'coordination.k8s.io', resource: 'leases' };
        if (req.method === 'GET') {
          return lease ? send(200, lease) : send(404, newNotFound(gr, 'ctrl').status);
        }
        const obj = JSON.parse(body) as Lease;
        if (
          req.method === 'PUT' &&
          obj.metadata?.resourceVersion !== lease?.metadata.resourceVersion
        ) {
          return send(409, newConflict(gr, 'ctrl').status);
        }
        lease = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++rv) } };
        send(req.method === 'POST' ? 201 : 200, lease);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('maps the record to Lease.spec, NotFound to undefined, and a stale update to Conflict', async () => {
    const rest = new RestClient({
      server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    });
    try {
      const info = findResource('coordination.k8s.io', 'v1', 'leases');
      if (!info) throw new Error('no leases resource');
      const leases = rest.resource<Lease>(info);
      const l1 = leaseLock(leases, 'kube-system', 'ctrl');
      const l2 = leaseLock(leases, 'kube-system', 'ctrl');
      const signal = new AbortController().signal;
      expect(await l1.get(signal)).toBeUndefined();
      const rec: LeaderElectionRecord = {
        holderIdentity: 'one',
        leaseDurationSeconds: 15,
        acquireTime: microTime(0),
        renewTime: microTime(0),
        leaseTransitions: 0,
      };
      await l1.create(rec, signal);
      expect(lease).toMatchObject({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'ctrl', namespace: 'kube-system' },
        spec: {
          holderIdentity: 'one',
          leaseDurationSeconds: 15,
          renewTime: '1970-01-01T00:00:00.000000Z',
        },
      });
      expect(await l2.get(signal)).toEqual(rec);
      await l2.update({ ...rec, holderIdentity: 'two', leaseTransitions: 1 }, signal);
      const stale = await l1
        .update({ ...rec, renewTime: microTime(5000) }, signal)
        .catch((e: unknown) => e);
      expect(isConflict(stale)).toBe(true);
      await l2.update({ ...rec, holderIdentity: '' }, signal);
      expect(lease?.spec?.holderIdentity).toBeUndefined();
      expect(requests).toEqual([
        'GET /apis/coordination.k8s.io/v1/namespaces/kube-system/leases/ctrl',
        'POST /apis/coordination.k8s.io/v1/namespaces/kube-system/leases',
        'GET /apis/coordination.k8s.io/v1/namespaces/kube-system/leases/ctrl',
        'PUT /apis/coordination.k8s.io/v1/namespaces/kube-system/leases/ctrl',
        'PUT /apis/coordination.k8s.io/v1/namespaces/kube-system/leases/ctrl',
        'PUT /apis/coordination.k8s.io/v1/namespaces/kube-system/leases/ctrl',
      ]);
    } finally {
      rest.close();
    }
  });
});
