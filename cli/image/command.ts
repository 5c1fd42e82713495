import { Command, CommanderError, Option } from 'commander';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { alignRows } from '../printers/tabwriter.js';
import {
  familiarImageRef as familiar,
  isImageArchiveError,
  isInvalidImageRef,
  LocalImageStore,
} from '../../runtime-shim/images/index.js';
import { buildImage, shortId } from './builder.js';
import {
  importImage,
  listImages,
  removeImage,
  type ImageNode,
  type NodeOutcome,
} from './distribute.js';
import { isDockerfileError, isImageBuildError, isStoreBusyError } from './errors.js';
import { createdAgo, humanSize } from './format.js';
import type { RunNetwork } from './run-step.js';
import { lockStore } from './store-lock.js';

/**
 * `tug image build|import|ls|rm`: the command handlers, printing as
 * `docker build` (the classic builder's `Step N/M :` lines), `docker load`
 * and `docker images` do. The builder's store is `<stateDir>/images` (one
 * `tug image` process at a time, under `<stateDir>/images.lock`); builds
 * work in `<stateDir>/build`.
 */

/** Sink is where the command writes text (process.stdout, or a buffer in tests). */
export interface Sink {
  write(text: string): unknown;
}

/** ImageCommandIo is what the command touches outside itself. */
export interface ImageCommandIo {
  stdout: Sink;
  stderr: Sink;
  /** cwd resolves relative paths (DIR, -f, FILE); default process.cwd(). */
  cwd?: string;
  /** stdin is read by `import -`. */
  stdin?: Readable;
  /** signal (Ctrl-C) cancels a build; the running RUN is killed. */
  signal?: AbortSignal;
  /** now is the current time for `ls` ages; default Date.now(). */
  now?: () => number;
}

/** ImageCommandContext is the cluster the images are for. */
export interface ImageCommandContext {
  /** stateDir is the cluster's state dir: the builder's store and build dirs live under it. */
  stateDir: string;
  /** nodes receive imported and built images; `ls --nodes` asks them. */
  nodes: ImageNode[];
}

/**
 * imageCommand runs `tug image ARGS…` (`argv` without `image`) and resolves
 * with the exit code: 0 on success, 1 on any failure (already printed as
 * `error: …` on stderr), 0 for --help.
 */
export async function imageCommand(
  argv: string[],
  io: ImageCommandIo,
  ctx: ImageCommandContext,
): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const storeDir = path.join(ctx.stateDir, 'images');
  const err = (msg: string): void => {
    io.stderr.write(msg.startsWith('error: ') ? `${msg}\n` : `error: ${msg}\n`);
  };
  let code = 0;
  const withStore = async (fn: (store: LocalImageStore) => Promise<number>): Promise<void> => {
    await using _lock = await lockStore(storeDir);
    code = await fn(new LocalImageStore({ root: storeDir }));
  };
  const program = new Command('image')
    .name('tug image')
    .description(
      'Build, import and list the images of the cluster (a Dockerfile subset; see cli/image/README.md)',
    )
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(s),
    })
    .exitOverride()
    .showSuggestionAfterError()
    .helpCommand(false);

  program
    .command('build')
    .description('Build an image from a Dockerfile and import it into every node')
    .argument('<dir>', 'the build context: COPY and ADD read from it')
    .option('-t, --tag <name>', 'name and optionally tag the image (name:tag); repeatable', collect)
    .option('-f, --file <Dockerfile>', 'the Dockerfile (default: DIR/Dockerfile)')
    .addOption(
      new Option('--network <mode>', 'the network of RUN commands')
        .choices(['host', 'none'])
        .default('host'),
    )
    .option('-q, --quiet', 'print only the image id')
    .action(
      async (
        dir: string,
        o: { tag?: string[]; file?: string; network: RunNetwork; quiet?: boolean },
      ) => {
        await withStore(async (store) => {
          const out = decoderFor(io.stdout);
          const errOut = decoderFor(io.stderr);
          const built = await buildImage({
            contextDir: path.resolve(cwd, dir),
            ...(o.file !== undefined ? { dockerfile: path.resolve(cwd, o.file) } : {}),
            tags: o.tag ?? [],
            store,
            say: (line) => {
              if (!o.quiet) io.stdout.write(`${line}\n`);
            },
            output: (chunk, stream) => {
              if (!o.quiet) (stream === 'stdout' ? out : errOut)(chunk);
            },
            nodes: ctx.nodes,
            network: o.network,
            workDir: path.join(ctx.stateDir, 'build'),
            ...(io.signal ? { signal: io.signal } : {}),
          });
          if (o.quiet) io.stdout.write(`${built.image.id}\n`);
          else if (ctx.nodes.length > 0) reportNodes(io, built.nodes, 'Imported into');
          return built.nodes.some((n) => n.error !== undefined) ? 1 : 0;
        });
      },
    );

  program
    .command('import')
    .description(
      'Import image archives (docker save or OCI layout, gzipped or not; - for stdin) into every node',
    )
    .argument('<file...>', 'archives to import')
    .action(async (files: string[]) => {
      await withStore(async (store) => {
        let failed = false;
        for (const f of files) {
          const { images, nodes } = await importImage(f === '-' ? f : path.resolve(cwd, f), {
            store,
            nodes: ctx.nodes,
            ...(io.stdin ? { stdin: io.stdin } : {}),
          });
          for (const img of images) {
            if (img.repoTags.length === 0) io.stdout.write(`Loaded image ID: ${img.id}\n`);
            for (const t of img.repoTags) io.stdout.write(`Loaded image: ${familiar(t)}\n`);
          }
          if (ctx.nodes.length > 0) reportNodes(io, nodes, 'Imported into');
          failed ||= nodes.some((n) => n.error !== undefined);
        }
        return failed ? 1 : 0;
      });
    });

  program
    .command('ls')
    .alias('list')
    .description("List the builder's images (with --nodes, also which nodes hold each)")
    .option('--nodes', 'ask every node what it holds (a NODES column)')
    .option('-q, --quiet', 'print only image ids')
    .option('--no-trunc', "don't shorten image ids")
    .action(async (o: { nodes?: boolean; quiet?: boolean; trunc: boolean }) => {
      await withStore(async (store) => {
        const { rows, unreachable } = await listImages({
          store,
          ...(o.nodes ? { nodes: ctx.nodes } : {}),
        });
        const id = (i: string): string => (o.trunc ? shortId(i) : i);
        if (o.quiet) {
          for (const i of new Set(rows.map((r) => r.id))) io.stdout.write(`${id(i)}\n`);
        } else {
          const now = (io.now ?? Date.now)();
          const header = [
            'REPOSITORY',
            'TAG',
            'IMAGE ID',
            'CREATED',
            'SIZE',
            ...(o.nodes ? ['NODES'] : []),
          ];
          const table = rows.map((r) => [
            r.repository,
            r.tag,
            id(r.id),
            createdAgo(r.created, now),
            humanSize(r.size),
            ...(o.nodes ? [r.nodes && r.nodes.length > 0 ? r.nodes.join(',') : '<none>'] : []),
          ]);
          io.stdout.write(alignRows([header, ...table]));
        }
        for (const u of unreachable) err(`node ${u.node}: ${u.error ?? 'no answer'}`);
        return unreachable.length > 0 ? 1 : 0;
      });
    });

  program
    .command('rm')
    .alias('remove')
    .description("Remove images from the builder's store and every node")
    .argument('<image...>', 'names or ids')
    .action(async (refs: string[]) => {
      await withStore(async (store) => {
        let failed = false;
        for (const ref of refs) {
          const { image, nodes } = await removeImage(ref, { store, nodes: ctx.nodes });
          if (image) {
            for (const t of image.repoTags) io.stdout.write(`Untagged: ${familiar(t)}\n`);
            io.stdout.write(`Deleted: ${image.id}\n`);
          } else {
            err(`No such image: ${ref}`);
            failed = true;
          }
          for (const n of nodes) {
            if (n.error !== undefined) {
              err(`node ${n.node}: ${n.error}`);
              failed = true;
            }
          }
        }
        return failed ? 1 : 0;
      });
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.help' ||
        e.code === 'commander.version'
        ? 0
        : e.exitCode || 1;
    }
    err(describe(e));
    return 1;
  }
}

function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

function reportNodes(io: ImageCommandIo, nodes: NodeOutcome[], verb: string): void {
  const ok = nodes.filter((n) => n.error === undefined).map((n) => n.node);
  if (ok.length > 0) io.stdout.write(`${verb} ${ok.join(', ')}\n`);
  for (const n of nodes) {
    if (n.error !== undefined) {
      io.stderr.write(`error: node ${n.node}: ${n.error} (retry with: tug image import FILE)\n`);
    }
  }
}

/** decoderFor turns output chunks into text without splitting UTF-8 sequences. */
function decoderFor(sink: Sink): (chunk: Buffer) => void {
  const d = new StringDecoder('utf8');
  return (chunk) => {
    const s = d.write(chunk);
    if (s !== '') sink.write(s);
  };
}

/** describe is the one-line message of a failure the command reports. */
function describe(e: unknown): string {
  if (isDockerfileError(e) || isImageBuildError(e) || isStoreBusyError(e)) return e.message;
  if (isImageArchiveError(e) || isInvalidImageRef(e)) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
