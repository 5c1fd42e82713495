import type { Command } from 'commander';
import type { CommandEnv } from '../command-env.js';
import { CliError } from '../errors.js';
import { toJson, toYaml } from '../printers/objects.js';
import { cliVersion } from '../program.js';

interface VersionInfo {
  major?: string;
  minor?: string;
  gitVersion?: string;
  [k: string]: unknown;
}

/** registerVersion adds `tug version [--client] [-o json|yaml]`. */
export function registerVersion(program: Command, env: CommandEnv): void {
  program
    .command('version')
    .description('Print the client and server version information')
    .option('--client', 'print the client version only')
    .option('-o, --output <format>', 'one of json|yaml')
    .action(async (o: { client?: boolean; output?: string }, cmd: Command) => {
      if (o.output && o.output !== 'json' && o.output !== 'yaml') {
        throw new CliError(`--output must be 'yaml' or 'json'`);
      }
      const clientVersion: VersionInfo = {
        major: '0',
        minor: '1',
        gitVersion: cliVersion,
        platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
      };
      let serverVersion: VersionInfo | undefined;
      let failure: unknown;
      if (!o.client) {
        try {
          const client = await env.context(cmd).client();
          serverVersion = await client.request<VersionInfo>({ path: '/version' });
        } catch (e) {
          failure = e;
        }
      }
      if (o.output) {
        const doc = { clientVersion, ...(serverVersion ? { serverVersion } : {}) };
        env.out(o.output === 'json' ? toJson(doc) : toYaml(doc));
      } else {
        env.out(`Client Version: ${cliVersion}\n`);
        if (serverVersion) env.out(`Server Version: ${serverVersion.gitVersion ?? ''}\n`);
      }
      if (failure) throw failure;
    });
}
