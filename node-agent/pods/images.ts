import type { Container, StoredPod } from '../../controlplane/api/types/index.js';
import type { EventRecorder } from '../../controlplane/client/index.js';
import type { Clock } from '../../lib/time.js';
import type { Image__Output } from '../../proto/generated/tugboat/runtime/v1/Image.js';
import { runtimeErrorFrom } from '../runtime/errors.js';
import type { ImageService } from '../runtime/runtime.js';
import type { RestartBackoff } from './backoff.js';
import type { ImageUser } from './container-config.js';
import { defaultPullPolicy, normalizeImageName, parseImageName } from './image-ref.js';

/** ImageReady is a present image: its ID and the user it runs as. */
export interface ImageReady {
  ok: true;
  imageRef: string;
  user: ImageUser;
}

/**
 * ImageNotReady says why a container cannot start yet, as the waiting
 * reason kubelet shows: ErrImagePull (the last pull failed; the message is
 * the runtime's, which says how to import the image), ImagePullBackOff
 * (waiting before the next try), ErrImageNeverPull, InvalidImageName.
 */
export interface ImageNotReady {
  ok: false;
  reason: 'ErrImagePull' | 'ImagePullBackOff' | 'ErrImageNeverPull' | 'InvalidImageName';
  message: string;
  /** retryAfterMs is when trying again makes sense (back-off), if known. */
  retryAfterMs?: number;
}

const podRef = (pod: StoredPod) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: pod.metadata,
});

function userOf(img: Image__Output | null | undefined): ImageUser {
  const uid = img?.uid ? Number(img.uid.value) : undefined;
  return { uid: Number.isFinite(uid) ? uid : undefined, username: img?.username ?? '' };
}

/**
 * ImagePuller makes sure a container's image is present, per its
 * imagePullPolicy (Always, IfNotPresent, Never; Kubernetes' default for an
 * unset one), recording kubelet's events (Pulling, Pulled, Failed, BackOff,
 * ErrImageNeverPull). Failed pulls back off per pod and image like kubelet's
 * image back-off. Runtime errors other than a failed pull are thrown.
 */
export class ImagePuller {
  /** failures holds when the last pull of each pod/image key failed. */
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly images: ImageService,
    private readonly recorder: EventRecorder,
    private readonly backoff: RestartBackoff,
    private readonly clock: Clock,
  ) {}

  /** ensure makes `container`'s image present, or says why it is not. */
  async ensure(
    pod: StoredPod,
    container: Container,
    signal?: AbortSignal,
  ): Promise<ImageReady | ImageNotReady> {
    const image = container.image ?? '';
    const opts = { timeoutMs: 60_000, ...(signal ? { signal } : {}) };
    if (!parseImageName(image)) {
      const message = `Failed to apply default image tag "${image}": couldn't parse image name "${image}": invalid reference format`;
      this.recorder.event(podRef(pod), 'Warning', 'InspectFailed', message);
      return { ok: false, reason: 'InvalidImageName', message };
    }
    const policy = container.imagePullPolicy ?? defaultPullPolicy(image);
    const spec = { image: normalizeImageName(image) };
    if (policy !== 'Always') {
      const st = await this.images.ImageStatus({ image: spec }, opts);
      if (st.image) {
        this.recorder.event(
          podRef(pod),
          'Normal',
          'Pulled',
          `Container image "${image}" already present on machine`,
        );
        return { ok: true, imageRef: st.image.id, user: userOf(st.image) };
      }
      if (policy === 'Never') {
        const message = `Container image "${image}" is not present with pull policy of Never`;
        this.recorder.event(podRef(pod), 'Warning', 'ErrImageNeverPull', message);
        return { ok: false, reason: 'ErrImageNeverPull', message };
      }
    }
    const key = `${pod.metadata.uid}/${spec.image}`;
    const lastFailure = this.failures.get(key);
    if (lastFailure !== undefined && this.backoff.inBackoff(key, lastFailure)) {
      const message = `Back-off pulling image "${image}"`;
      this.recorder.event(podRef(pod), 'Normal', 'BackOff', message);
      return {
        ok: false,
        reason: 'ImagePullBackOff',
        message,
        retryAfterMs: this.backoff.remainingMs(key, lastFailure),
      };
    }
    this.recorder.event(podRef(pod), 'Normal', 'Pulling', `Pulling image "${image}"`);
    const start = this.clock.now();
    try {
      const res = await this.images.PullImage({ image: spec }, opts);
      this.failures.delete(key);
      this.backoff.forget(key);
      const took = `${((this.clock.now() - start) / 1000).toFixed(3)}s`;
      this.recorder.event(
        podRef(pod),
        'Normal',
        'Pulled',
        `Successfully pulled image "${image}" in ${took} (${took} including waiting)`,
      );
      const st = await this.images.ImageStatus({ image: spec }, opts);
      return { ok: true, imageRef: res.imageRef, user: userOf(st.image) };
    } catch (e) {
      const err = runtimeErrorFrom(e);
      if (err.code !== 'NotFound' && err.code !== 'InvalidArgument' && err.code !== 'Unknown') {
        throw err;
      }
      const now = this.clock.now();
      this.backoff.next(key, now);
      this.failures.set(key, now);
      const message = `Failed to pull image "${image}": ${err.message}`;
      this.recorder.event(podRef(pod), 'Warning', 'Failed', message);
      this.recorder.event(podRef(pod), 'Warning', 'Failed', 'Error: ErrImagePull');
      return {
        ok: false,
        reason: 'ErrImagePull',
        message,
        retryAfterMs: this.backoff.remainingMs(key, now),
      };
    }
  }

  /** forgetPod drops the pull back-off state of a pod. */
  forgetPod(uid: string): void {
    this.backoff.forget(uid, true);
    for (const k of [...this.failures.keys()]) if (k.startsWith(`${uid}/`)) this.failures.delete(k);
  }
}
