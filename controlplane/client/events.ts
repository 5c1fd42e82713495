import { randomBytes } from 'node:crypto';
import { isNotFound } from '../api/errors.js';
import type { KubeObject } from '../api/meta.js';
import { findResource } from '../api/resources.js';
import type { Event } from '../api/types/index.js';
import { nopLogger, type Logger } from '../../lib/log.js';
import { realClock, type Clock } from '../../lib/time.js';
import type { RestClient } from './rest-client.js';
import { TokenBucket } from './token-bucket.js';

/** EventType is an event's severity. */
export type EventType = 'Normal' | 'Warning';

/** EventSubject is what an event is about: any stored object (kind and apiVersion needed). */
export interface EventSubject {
  apiVersion?: string;
  kind?: string;
  metadata?: KubeObject['metadata'];
}

/** EventRecorder records events about objects; it never blocks and never throws. */
export interface EventRecorder {
  event(subject: EventSubject, type: EventType, reason: string, message: string): void;
}

export interface EventRecorderOptions {
  /** component is the reporting component (`default-scheduler`, `kubelet`, …). */
  component: string;
  /** host is the node it runs on, when it runs on one. */
  host?: string;
  clock?: Clock;
  logger?: Logger;
  /** burst and refillPerSecond shape the per-object spam filter (client-go: 25 and 1/300 s). */
  burst?: number;
  refillPerSecond?: number;
  /** maxPending bounds the writes waiting to be sent; more are dropped. */
  maxPending?: number;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  first: string;
  at: number;
}

const eventsInfo = findResource('', 'v1', 'events')!;
const AGGREGATE_WINDOW_MS = 10 * 60 * 1000;
const CACHE_SIZE = 4096;

const timestamp = (ms: number): string =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/**
 * ApiEventRecorder writes core/v1 Events through the API server the way
 * client-go's recorder does: a repeat of the same event (object, type,
 * reason, message) within ten minutes bumps `count` and `lastTimestamp` of
 * the existing Event instead of making a new one; a per-object token bucket
 * drops floods; writes go out one at a time in the background, so callers
 * never wait on (or fail because of) the API server.
 */
export class ApiEventRecorder implements EventRecorder {
  private readonly seen = new Map<string, Seen>();
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly queue: (() => Promise<void>)[] = [];
  private draining = false;
  private readonly clock: Clock;
  private readonly log: Logger;

  constructor(
    private readonly rest: RestClient,
    private readonly opts: EventRecorderOptions,
  ) {
    this.clock = opts.clock ?? realClock;
    this.log = opts.logger ?? nopLogger;
  }

  event(subject: EventSubject, type: EventType, reason: string, message: string): void {
    const meta = subject.metadata ?? {};
    const namespace = meta.namespace || 'default';
    const objKey = `${subject.kind}/${namespace}/${meta.name}/${meta.uid ?? ''}`;
    let bucket = this.buckets.get(objKey);
    if (!bucket) {
      bucket = new TokenBucket(
        this.opts.refillPerSecond ?? 1 / 300,
        this.opts.burst ?? 25,
        this.clock,
      );
      this.buckets.set(objKey, bucket);
      trim(this.buckets);
    }
    if (bucket.reserve() > 0) return;
    const now = this.clock.now();
    const key = `${objKey}/${type}/${reason}/${message}`;
    const prior = this.seen.get(key);
    if (prior && now - prior.at < AGGREGATE_WINDOW_MS) {
      prior.count++;
      prior.at = now;
      const { name, count } = prior;
      this.enqueue(() => this.bump(namespace, name, count, now, () => this.seen.delete(key)));
      return;
    }
    const name = `${meta.name ?? 'unknown'}.${now.toString(16)}${randomBytes(2).toString('hex')}`;
    this.seen.set(key, { name, namespace, count: 1, first: timestamp(now), at: now });
    trim(this.seen);
    const ev: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        kind: subject.kind,
        apiVersion: subject.apiVersion,
        name: meta.name,
        namespace: meta.namespace,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
      },
      type,
      reason,
      message,
      count: 1,
      firstTimestamp: timestamp(now),
      lastTimestamp: timestamp(now),
      source: {
        component: this.opts.component,
        ...(this.opts.host ? { host: this.opts.host } : {}),
      },
      reportingComponent: this.opts.component,
      reportingInstance: this.opts.host ?? '',
    };
    this.enqueue(async () => {
      await this.rest.resource<Event>(eventsInfo, namespace).create(ev);
    });
  }

  private async bump(
    namespace: string,
    name: string,
    count: number,
    now: number,
    forget: () => void,
  ): Promise<void> {
    try {
      await this.rest
        .resource<Event>(eventsInfo, namespace)
        .patch(name, 'merge', { count, lastTimestamp: timestamp(now) });
    } catch (e) {
      // The event expired or was deleted: the next repeat makes a new one.
      if (isNotFound(e)) forget();
      else throw e;
    }
  }

  private enqueue(write: () => Promise<void>): void {
    if (this.queue.length >= (this.opts.maxPending ?? 1000)) return;
    this.queue.push(write);
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let w = this.queue.shift(); w; w = this.queue.shift()) {
        await w().catch((e: unknown) => this.log.warn('could not record event', { err: e }));
      }
    } finally {
      this.draining = false;
    }
  }

  /** flush resolves once every queued write has been attempted (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.draining) await new Promise((r) => setImmediate(r));
  }
}

function trim<K, V>(m: Map<K, V>): void {
  if (m.size <= CACHE_SIZE) return;
  const first = m.keys().next();
  if (!first.done) m.delete(first.value);
}

/** FakeEventRecorder keeps events in memory, for tests of components that record them. */
export class FakeEventRecorder implements EventRecorder {
  readonly events: { subject: EventSubject; type: EventType; reason: string; message: string }[] =
    [];

  event(subject: EventSubject, type: EventType, reason: string, message: string): void {
    this.events.push({ subject, type, reason, message });
  }

  /** reasons lists the reasons recorded, in order. */
  get reasons(): string[] {
    return this.events.map((e) => e.reason);
  }
}
