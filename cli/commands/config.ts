import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { delimiter } from 'node:path';
import type { Command } from 'commander';
import { isMap, isSeq, parseDocument, type Document } from 'yaml';
import type { Kubeconfig } from '../../controlplane/client/index.js';
import type { CommandEnv } from '../command-env.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { toJson, toYaml } from '../printers/objects.js';
import { alignRows } from '../printers/tabwriter.js';

/** viewDocument renders a kubeconfig as `kubectl config view` does; secrets hidden unless `raw`. */
export function viewDocument(
  kc: Kubeconfig,
  raw: boolean,
  minify: boolean,
): Record<string, unknown> {
  const b64 = (s: string): string => (raw ? Buffer.from(s).toString('base64') : 'DATA+OMITTED');
  let { clusters, users, contexts } = kc;
  if (minify) {
    const ctx = kc.contexts.find((c) => c.name === kc.currentContext);
    if (!ctx) throw new CliError('current-context must exist in order to minify');
    contexts = [ctx];
    clusters = kc.clusters.filter((c) => c.name === ctx.cluster);
    users = kc.users.filter((u) => u.name === ctx.user);
  }
  const byName = <T extends { name: string }>(l: T[]): T[] =>
    [...l].sort((a, b) => a.name.localeCompare(b.name));
  const prune = (m: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined));
  return {
    apiVersion: 'v1',
    clusters: byName(clusters).map((c) => ({
      cluster: prune({
        'certificate-authority-data': c.caData !== undefined ? b64(c.caData) : undefined,
        'certificate-authority': c.caFile,
        'insecure-skip-tls-verify': c.insecureSkipTLSVerify || undefined,
        server: c.server,
        'tls-server-name': c.tlsServerName,
      }),
      name: c.name,
    })),
    contexts: byName(contexts).map((c) => ({
      context: prune({ cluster: c.cluster, namespace: c.namespace, user: c.user }),
      name: c.name,
    })),
    'current-context': kc.currentContext ?? '',
    kind: 'Config',
    preferences: {},
    users: byName(users).map((u) => ({
      name: u.name,
      user: prune({
        'client-certificate-data': u.certData !== undefined ? b64(u.certData) : undefined,
        'client-certificate': u.certFile,
        'client-key-data': u.keyData !== undefined ? b64(u.keyData) : undefined,
        'client-key': u.keyFile,
        token: u.token !== undefined ? (raw ? u.token : 'REDACTED') : undefined,
        tokenFile: u.tokenFile,
      }),
    })),
  };
}

// configFile is the file kubectl's config commands write: --kubeconfig, or
// the first existing file of the KUBECONFIG list (else its last one).
function configFile(ctx: CliContext): string {
  const opts = ctx.loadOptions;
  if (opts.path) return opts.path;
  const list = (ctx.io.env['KUBECONFIG'] ?? '').split(delimiter).filter((p) => p !== '');
  if (list.length === 0) return `${ctx.io.env['HOME'] ?? ''}/.kube/config`;
  return list.find((p) => existsSync(p)) ?? (list[list.length - 1] as string);
}

async function editFile(path: string, edit: (doc: Document) => void): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  const doc = parseDocument(text);
  edit(doc);
  await writeFile(path, doc.toString(), { mode: 0o600 });
}

/** registerConfig adds `tug config view|use-context|get-contexts|current-context|set-context`. */
export function registerConfig(program: Command, env: CommandEnv): void {
  const config = program.command('config').description('Modify kubeconfig files');
  config
    .command('view')
    .description('Display merged kubeconfig settings')
    .option('--raw', 'show certificates and tokens')
    .option('--minify', 'only the current context and what it uses')
    .option('-o, --output <format>', 'yaml (default) or json', 'yaml')
    .action(async (o: { raw?: boolean; minify?: boolean; output: string }, cmd: Command) => {
      const kc = await env.context(cmd).kubeconfig();
      const doc = viewDocument(kc, !!o.raw, !!o.minify);
      env.out(o.output === 'json' ? toJson(doc) : toYaml(doc));
    });
  config
    .command('get-contexts')
    .description('Describe one or many contexts')
    .argument('[name]', 'only this context')
    .option('-o, --output <format>', 'name')
    .option('--no-headers', "don't print headers")
    .action(
      async (name: string | undefined, o: { output?: string; headers: boolean }, cmd: Command) => {
        const kc = await env.context(cmd).kubeconfig();
        const contexts = kc.contexts
          .filter((c) => !name || c.name === name)
          .sort((a, b) => a.name.localeCompare(b.name));
        if (name && contexts.length === 0) throw new CliError(`context ${name} not found`);
        if (o.output === 'name') {
          env.out(contexts.map((c) => `${c.name}\n`).join(''));
          return;
        }
        const rows = contexts.map((c) => [
          c.name === kc.currentContext ? '*' : '',
          c.name,
          c.cluster,
          c.user,
          c.namespace ?? '',
        ]);
        if (o.headers) rows.unshift(['CURRENT', 'NAME', 'CLUSTER', 'AUTHINFO', 'NAMESPACE']);
        env.out(alignRows(rows));
      },
    );
  config
    .command('current-context')
    .description('Display the current-context')
    .action(async (_o: unknown, cmd: Command) => {
      const kc = await env.context(cmd).kubeconfig();
      if (!kc.currentContext) throw new CliError('current-context is not set');
      env.out(`${kc.currentContext}\n`);
    });
  config
    .command('use-context')
    .description('Set the current-context in a kubeconfig file')
    .argument('<name>', 'the context to use')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const ctx = env.context(cmd);
      const kc = await ctx.kubeconfig();
      if (!kc.contexts.some((c) => c.name === name)) {
        throw new CliError(`no context exists with the name: "${name}"`);
      }
      await editFile(configFile(ctx), (doc) => doc.set('current-context', name));
      env.out(`Switched to context "${name}".\n`);
    });
  config
    .command('set-context')
    .description("Set a context's namespace (cluster and user are kept)")
    .argument('[name]', 'the context to change')
    .option('--current', 'change the current context')
    .option('--namespace <namespace>', 'the namespace to set')
    .action(
      async (
        name: string | undefined,
        o: { current?: boolean; namespace?: string },
        cmd: Command,
      ) => {
        const ctx = env.context(cmd);
        const kc = await ctx.kubeconfig();
        const target = o.current ? kc.currentContext : name;
        if (!target) throw new CliError('you must specify a non-empty context name or --current');
        const ns = o.namespace ?? cmd.optsWithGlobals<{ namespace?: string }>().namespace;
        await editFile(configFile(ctx), (doc) => {
          const list = doc.get('contexts');
          if (!isSeq(list)) throw new CliError(`context "${target}" is not in ${configFile(ctx)}`);
          const entry = list.items.find((i) => isMap(i) && i.get('name') === target);
          if (!isMap(entry)) throw new CliError(`context "${target}" is not in ${configFile(ctx)}`);
          if (ns !== undefined) entry.setIn(['context', 'namespace'], ns);
        });
        env.out(`Context "${target}" modified.\n`);
      },
    );
}
