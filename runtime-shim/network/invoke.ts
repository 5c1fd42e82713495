import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { isObject } from './conf.js';
import { CniConfigError, CniError, type CniCommand, type CniErrorDetails } from './errors.js';

type FailureDetails = Omit<CniErrorDetails, 'plugin' | 'command'>;

/** PluginCall is one execution of a CNI plugin binary. */
export interface PluginCall {
  /** binDir is CNI_PATH: where the plugin and the plugins it delegates to (IPAM) live. */
  binDir: string;
  /** plugin is the plugin's `type`, i.e. its file name in binDir. */
  plugin: string;
  command: CniCommand;
  containerId: string;
  /** netns is CNI_NETNS: the pinned namespace path, or '' when it is gone (DEL only). */
  netns: string;
  ifName: string;
  /** args is CNI_ARGS (`K=V;K=V`). */
  args: string;
  /** stdin is the plugin's network configuration JSON. */
  stdin: string;
  timeoutMs: number;
  /** hostNetns, when set, runs the plugin inside that netns (through nsenter) instead of the caller's. */
  hostNetns?: string;
}

// Results are a few KB; a plugin printing more than this is broken.
const maxOutput = 4 << 20;

/**
 * execPlugin runs one CNI plugin and resolves with its stdout when it exits 0.
 * A non-zero exit becomes a CniError carrying the error JSON's code, msg and
 * details (or, failing that, stderr). At `timeoutMs` the plugin is killed
 * with SIGKILL and a CniError with `timedOut` is thrown. The plugin inherits
 * the caller's environment (it runs iptables from PATH) plus the CNI_* vars.
 */
export function execPlugin(call: PluginCall): Promise<string> {
  const bin = join(call.binDir, call.plugin);
  const [file, argv] = call.hostNetns
    ? ['nsenter', [`--net=${call.hostNetns}`, '--', bin]]
    : [bin, [] as string[]];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CNI_COMMAND: call.command,
    CNI_CONTAINERID: call.containerId,
    CNI_NETNS: call.netns,
    CNI_IFNAME: call.ifName,
    CNI_PATH: call.binDir,
    CNI_ARGS: call.args,
  };
  const fail = (d: FailureDetails, cause?: unknown): CniError =>
    new CniError({ plugin: call.plugin, command: call.command, ...d }, { cause });

  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    let settled = false;
    // Past the deadline the answer is given at once: a child the plugin forked could keep the pipes (and 'close') open.
    const abandon = (e: CniError): void => {
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      child.stdout.destroy();
      child.stderr.destroy();
      reject(e);
    };
    const timer = setTimeout(
      () => abandon(fail({ msg: `no answer within ${call.timeoutMs} ms, killed`, timedOut: true })),
      call.timeoutMs,
    );
    child.stdout.on('data', (b: Buffer) => {
      outLen += b.length;
      if (outLen > maxOutput)
        abandon(fail({ msg: `printed more than ${maxOutput} bytes, killed` }));
      else out.push(b);
    });
    child.stderr.on('data', (b: Buffer) => {
      errLen += b.length;
      if (errLen <= 64 << 10) err.push(b);
    });
    // A plugin that exits without reading stdin makes the write fail with EPIPE; its exit status tells the story.
    child.stdin.on('error', () => {});
    child.stdin.end(call.stdin);
    child.on('error', (e) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(fail({ msg: `cannot run ${file}: ${e.message}` }, e));
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8').trim();
      if (code === 0) {
        resolve(stdout);
      } else {
        reject(fail(errorFromOutput(stdout, stderr, code, signal)));
      }
    });
  });
}

function errorFromOutput(
  stdout: string,
  stderr: string,
  code: number | null,
  signal: NodeJS.Signals | null,
): FailureDetails {
  const exitCode = code ?? undefined;
  try {
    const e: unknown = JSON.parse(stdout);
    if (isObject(e) && typeof e['msg'] === 'string') {
      return {
        code: typeof e['code'] === 'number' ? e['code'] : undefined,
        msg: e['msg'],
        details: typeof e['details'] === 'string' && e['details'] !== '' ? e['details'] : undefined,
        exitCode,
      };
    }
  } catch {
    // Not the spec's error JSON: fall back to what the plugin wrote to stderr.
  }
  const how = signal ? `killed by ${signal}` : `exit code ${code}`;
  const msg = stderr || stdout.trim() || how;
  return { msg: msg === how ? msg : `${msg} (${how})`, exitCode };
}

/**
 * findPlugin checks that plugin `type` is an executable in `binDir` (libcni's
 * FindInPath) and returns its path; CniConfigError otherwise. Called before
 * anything is created so that a missing plugin changes nothing.
 */
export async function findPlugin(binDir: string, type: string): Promise<string> {
  const path = join(binDir, type);
  try {
    await access(path, constants.X_OK);
  } catch (e) {
    throw new CniConfigError(`plugin "${type}" not found (no executable ${path})`, undefined, {
      cause: e,
    });
  }
  return path;
}
