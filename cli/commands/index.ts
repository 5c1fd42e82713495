import type { Command } from 'commander';
import type { CommandEnv } from '../command-env.js';
import { registerApiResources } from './api-resources.js';
import { registerApply } from './apply.js';
import { registerAutoscale } from './autoscale.js';
import { registerCluster } from './cluster.js';
import { registerCompletion } from './completion.js';
import { registerConfig } from './config.js';
import { registerCordon } from './cordon.js';
import { registerCreate } from './create.js';
import { registerDelete } from './delete.js';
import { registerDescribe } from './describe.js';
import { registerDrain } from './drain.js';
import { registerExpose } from './expose.js';
import { registerGet } from './get.js';
import { registerAnnotate, registerLabel } from './label.js';
import { registerPatch } from './patch.js';
import { registerReplace } from './replace.js';
import { registerRollout } from './rollout/index.js';
import { registerRun } from './run.js';
import { registerScale } from './scale.js';
import { registerSet } from './set-image.js';
import { registerVersion } from './version.js';

/** registerCommands adds every `tug` verb to the program, in the order help lists them (kubectl's). */
export function registerCommands(program: Command, env: CommandEnv): void {
  registerCreate(program, env);
  registerExpose(program, env);
  registerRun(program, env);
  registerSet(program, env);
  registerGet(program, env);
  registerDelete(program, env);
  registerRollout(program, env);
  registerScale(program, env);
  registerAutoscale(program, env);
  registerCordon(program, env);
  registerDrain(program, env);
  registerDescribe(program, env);
  registerApply(program, env);
  registerPatch(program, env);
  registerReplace(program, env);
  registerLabel(program, env);
  registerAnnotate(program, env);
  registerCompletion(program, env);
  registerApiResources(program, env);
  registerConfig(program, env);
  registerVersion(program, env);
  registerCluster(program, env);
}
