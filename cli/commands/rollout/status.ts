import type * as T from '../../../controlplane/api/types/index.js';
import { CliError } from '../../errors.js';

/** RolloutStatus is one reading of a deployment's progress. */
export interface RolloutStatus {
  message: string;
  done: boolean;
}

/**
 * deploymentStatus is kubectl's DeploymentStatusViewer: it compares
 * metadata.generation with status.observedGeneration, then updated, total
 * and available replicas, and fails when the Progressing condition says
 * ProgressDeadlineExceeded (or a wanted revision differs). Pure.
 */
export function deploymentStatus(d: T.Deployment, revision = 0): RolloutStatus {
  const name = d.metadata?.name ?? '';
  if (revision > 0) {
    const have = Number(d.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? '0');
    if (have !== revision) {
      throw new CliError(
        `desired revision (${revision}) is different from the running revision (${have})`,
      );
    }
  }
  const st = d.status ?? {};
  if ((d.metadata?.generation ?? 0) <= (st.observedGeneration ?? 0)) {
    const progressing = (st.conditions ?? []).find((c) => c.type === 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded') {
      throw new CliError(`deployment "${name}" exceeded its progress deadline`);
    }
    const want = d.spec?.replicas ?? 1;
    const updated = st.updatedReplicas ?? 0;
    const total = st.replicas ?? 0;
    const available = st.availableReplicas ?? 0;
    if (updated < want) {
      return {
        message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${want} new replicas have been updated...`,
        done: false,
      };
    }
    if (total > updated) {
      return {
        message: `Waiting for deployment "${name}" rollout to finish: ${total - updated} old replicas are pending termination...`,
        done: false,
      };
    }
    if (available < updated) {
      return {
        message: `Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`,
        done: false,
      };
    }
    return { message: `deployment "${name}" successfully rolled out`, done: true };
  }
  return { message: 'Waiting for deployment spec update to be observed...', done: false };
}
