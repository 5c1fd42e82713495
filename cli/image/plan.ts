import path from 'node:path';
import type { ImageConfig } from '../../runtime-shim/images/index.js';
import type { CommandForm, Instruction, ParsedDockerfile } from './dockerfile.js';
import { DockerfileError } from './errors.js';
import { envLookup, processWord, processWords, WordError } from './shell-words.js';

/**
 * Planning a build: walking the instructions after FROM with the image
 * config as it evolves, expanding variables where Docker expands them, and
 * checking every argument, so a bad instruction anywhere fails before any
 * filesystem work. What is left for the builder is the filesystem steps,
 * each with everything it needs already resolved.
 */

/** DEFAULT_SHELL is what shell-form commands run under until a SHELL instruction. */
export const DEFAULT_SHELL: readonly string[] = ['/bin/sh', '-c'];

interface StepBase {
  line: number;
  /** createdBy is the step's history entry text. */
  createdBy: string;
}

/** CopyStep copies build-context sources (ADD: also extracts local tars) into the image. */
export interface CopyStep extends StepBase {
  kind: 'copy';
  add: boolean;
  /** sources are context-relative paths or patterns, expanded. */
  sources: string[];
  /** dest is absolute in the image; destIsDir when written with a trailing slash. */
  dest: string;
  destIsDir: boolean;
  chown?: string;
  chmod?: number;
  /** user is the USER in effect, for resolving --chown names against the image. */
  user: string;
}

/** RunStep runs a command in a container over the image so far. */
export interface RunStep extends StepBase {
  kind: 'run';
  args: string[];
  env: string[];
  user: string;
  workdir: string;
}

/** WorkdirStep makes sure the working directory exists. */
export interface WorkdirStep extends StepBase {
  kind: 'workdir';
  path: string;
}

/** ConfigStep only changes the image config (an empty layer in the history). */
export interface ConfigStep extends StepBase {
  kind: 'config';
}

/** BuildStep is one step of a plan, in Dockerfile order. */
export type BuildStep = CopyStep | RunStep | WorkdirStep | ConfigStep;

/** BuildPlan is what to do after FROM and the config the image ends with. */
export interface BuildPlan {
  /** base is the FROM image as written (`scratch` for none). */
  base: string;
  steps: BuildStep[];
  config: ImageConfig;
}

/**
 * planBuild plans `parsed` over a base image whose config is `baseConfig`.
 * Pure: reads no files. Throws DockerfileError (with the line) for an
 * argument that is not valid once expanded.
 */
export function planBuild(
  parsed: ParsedDockerfile,
  baseConfig: ImageConfig,
  file = 'Dockerfile',
): BuildPlan {
  const [from, ...rest] = parsed.instructions;
  if (from?.kind !== 'FROM')
    throw new DockerfileError(file, 1, 'the first instruction must be FROM');
  const config: ImageConfig = structuredClone(baseConfig);
  const steps: BuildStep[] = [];
  let shell = [...DEFAULT_SHELL];
  let cmdSet = false;
  for (const ins of rest) {
    const env = envLookup(config.env ?? []);
    const word = (s: string): string => processWord(s, env, parsed.escape);
    const fail = (msg: string): never => {
      throw new DockerfileError(file, ins.line, msg);
    };
    const step = { line: ins.line, createdBy: ins.text };
    try {
      switch (ins.kind) {
        case 'FROM':
          fail('multi-stage builds (a second FROM) are not supported');
          break;
        case 'RUN': {
          const args = commandArgs(ins.command, shell);
          steps.push({
            ...step,
            createdBy: `RUN ${args.join(' ')}`,
            kind: 'run',
            args,
            env: [...(config.env ?? [])],
            user: config.user ?? '',
            workdir: config.workingDir ?? '/',
          });
          break;
        }
        case 'CMD':
          config.cmd = commandArgs(ins.command, shell);
          cmdSet = true;
          steps.push({ ...step, kind: 'config' });
          break;
        case 'ENTRYPOINT': {
          const args = commandArgs(ins.command, shell);
          if (args.length > 0) config.entrypoint = args;
          else delete config.entrypoint;
          // As in Docker: an ENTRYPOINT drops a CMD inherited from the base image.
          if (!cmdSet) delete config.cmd;
          steps.push({ ...step, kind: 'config' });
          break;
        }
        case 'COPY':
        case 'ADD':
          steps.push({ ...step, ...planCopy(ins, config, word, fail) });
          break;
        case 'ENV': {
          const entries = ins.pairs.map((p) => ({ key: word(p.key), value: word(p.value) }));
          for (const { key, value } of entries) {
            if (!/^[^=\s]+$/.test(key)) fail(`ENV: invalid variable name ${JSON.stringify(key)}`);
            setEnv(config, key, value);
          }
          steps.push({ ...step, kind: 'config' });
          break;
        }
        case 'LABEL': {
          const labels = { ...(config.labels ?? {}) };
          for (const p of ins.pairs) {
            const key = word(p.key);
            if (key === '') fail('LABEL: a label name is empty');
            labels[key] = word(p.value);
          }
          config.labels = labels;
          steps.push({ ...step, kind: 'config' });
          break;
        }
        case 'EXPOSE': {
          const ports = new Set(config.exposedPorts ?? []);
          for (const w of processWords(ins.arg, env, parsed.escape)) {
            for (const p of exposedPorts(w, fail)) ports.add(p);
          }
          config.exposedPorts = [...ports].sort();
          steps.push({ ...step, kind: 'config' });
          break;
        }
        case 'USER': {
          const user = word(ins.arg);
          if (!/^[^:\s]+(:[^:\s]+)?$/.test(user)) {
            fail(`USER ${JSON.stringify(user)}: expected user, uid, user:group or uid:gid`);
          }
          config.user = user;
          steps.push({ ...step, kind: 'config' });
          break;
        }
        case 'WORKDIR': {
          const dir = word(ins.arg);
          if (dir === '') fail('WORKDIR needs a path');
          config.workingDir = path.posix.resolve(config.workingDir || '/', dir);
          steps.push({ ...step, kind: 'workdir', path: config.workingDir });
          break;
        }
        case 'STOPSIGNAL': {
          const sig = word(ins.arg);
          if (!/^(?:SIG[A-Z0-9+-]+|[A-Z][A-Z0-9+-]*|\d+)$/.test(sig)) {
            fail(`STOPSIGNAL: ${JSON.stringify(sig)} is not a signal name or number`);
          }
          config.stopSignal = sig;
          steps.push({ ...step, kind: 'config' });
          break;
        }
        case 'SHELL':
          shell = [...ins.shell];
          steps.push({ ...step, kind: 'config' });
          break;
      }
    } catch (e) {
      if (e instanceof WordError) {
        throw new DockerfileError(file, ins.line, `${ins.kind}: ${e.message}`, { cause: e });
      }
      throw e;
    }
  }
  return { base: from.image, steps, config };
}

function commandArgs(c: CommandForm, shell: readonly string[]): string[] {
  return c.form === 'exec' ? [...c.args] : [...shell, c.command];
}

function planCopy(
  ins: Instruction & { kind: 'COPY' | 'ADD' },
  config: ImageConfig,
  word: (s: string) => string,
  fail: (msg: string) => never,
): Omit<CopyStep, 'line' | 'createdBy'> {
  const words = ins.args.map(word);
  const dest = words.pop() ?? '';
  const sources = words;
  if (dest === '') fail(`${ins.kind}: the destination is empty`);
  for (const s of sources) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s) || s.startsWith('git@')) {
      fail(
        ins.kind === 'ADD'
          ? `ADD ${s}: adding from a URL is not supported; download it into the build context and ADD that file`
          : `COPY ${s}: a URL is not a build-context path`,
      );
    }
    if (s === '') fail(`${ins.kind}: a source is empty`);
  }
  const destIsDir = dest.endsWith('/') || dest.endsWith('/.') || dest === '.';
  if (sources.length > 1 && !destIsDir) {
    fail(
      `${ins.kind} with more than one source needs a directory destination ending in /: ${JSON.stringify(dest)}`,
    );
  }
  const step: Omit<CopyStep, 'line' | 'createdBy'> = {
    kind: 'copy',
    add: ins.kind === 'ADD',
    sources,
    dest: path.posix.resolve(config.workingDir || '/', dest),
    destIsDir,
    user: config.user ?? '',
  };
  if (ins.flags.chown !== undefined) {
    const chown = word(ins.flags.chown);
    if (!/^[^:\s]+(:[^:\s]+)?$/.test(chown)) {
      fail(`${ins.kind} --chown=${chown}: expected user, uid, user:group or uid:gid`);
    }
    step.chown = chown;
  }
  if (ins.flags.chmod !== undefined) {
    const chmod = word(ins.flags.chmod);
    if (!/^[0-7]{3,4}$/.test(chmod))
      fail(`${ins.kind} --chmod=${chmod}: expected an octal mode like 755`);
    step.chmod = parseInt(chmod, 8);
  }
  return step;
}

function setEnv(config: ImageConfig, key: string, value: string): void {
  const env = [...(config.env ?? [])];
  const i = env.findIndex((e) => e.slice(0, e.indexOf('=')) === key);
  if (i >= 0) env[i] = `${key}=${value}`;
  else env.push(`${key}=${value}`);
  config.env = env;
}

const portRe = /^(\d{1,5})(?:-(\d{1,5}))?(?:\/(tcp|udp|sctp))?$/i;

/** exposedPorts reads `80`, `53/udp` or `8000-8002/tcp` into `80/tcp`-style entries. */
function exposedPorts(w: string, fail: (msg: string) => never): string[] {
  const m = portRe.exec(w);
  if (!m) return fail(`EXPOSE ${w}: expected port[/tcp|udp|sctp] or a range like 8000-8010`);
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  const proto = (m[3] ?? 'tcp').toLowerCase();
  if (from < 1 || to > 65535 || to < from) fail(`EXPOSE ${w}: ports go from 1 to 65535`);
  if (to - from > 1000) fail(`EXPOSE ${w}: a range of more than 1000 ports`);
  const out: string[] = [];
  for (let p = from; p <= to; p++) out.push(`${p}/${proto}`);
  return out;
}
