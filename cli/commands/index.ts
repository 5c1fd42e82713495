import type { Command } from 'commander';
import type { CommandEnv } from '../command-env.js';
import { registerApiResources } from './api-resources.js';
import { registerConfig } from './config.js';
import { registerGet } from './get.js';
import { registerVersion } from './version.js';

/** registerCommands adds every `tug` verb to the program, in the order help lists them. */
export function registerCommands(program: Command, env: CommandEnv): void {
  registerGet(program, env);
  registerApiResources(program, env);
  registerConfig(program, env);
  registerVersion(program, env);
}
