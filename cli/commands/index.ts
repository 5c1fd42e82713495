import type { Command } from 'commander';
import type { CommandEnv } from '../command-env.js';
import { registerApiResources } from './api-resources.js';
import { registerApply } from './apply.js';
import { registerConfig } from './config.js';
import { registerCreate } from './create.js';
import { registerDelete } from './delete.js';
import { registerDescribe } from './describe.js';
import { registerGet } from './get.js';
import { registerReplace } from './replace.js';
import { registerVersion } from './version.js';

/** registerCommands adds every `tug` verb to the program, in the order help lists them. */
export function registerCommands(program: Command, env: CommandEnv): void {
  registerCreate(program, env);
  registerGet(program, env);
  registerDelete(program, env);
  registerDescribe(program, env);
  registerApply(program, env);
  registerReplace(program, env);
  registerApiResources(program, env);
  registerConfig(program, env);
  registerVersion(program, env);
}
