import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { CniConfigError } from './errors.js';

/** supportedCniVersions are the spec versions whose results this code reads (what plugins 1.1.1 speak). */
export const supportedCniVersions: readonly string[] = ['0.3.0', '0.3.1', '0.4.0', '1.0.0'];

/** PluginConf is one plugin's entry in a network configuration list, as the file has it. */
export interface PluginConf {
  type: string;
  /** capabilities the plugin takes through `runtimeConfig` (e.g. `{portMappings: true}`). */
  capabilities?: Record<string, boolean>;
  [key: string]: unknown;
}

/** NetworkConfigList is a loaded network configuration: a plugin chain with one name and version. */
export interface NetworkConfigList {
  cniVersion: string;
  name: string;
  plugins: PluginConf[];
  /** file is where it was read from (for messages). */
  file: string;
}

// The CNI spec's pattern for network names; it is also what plugins accept as container ids.
const namePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/**
 * loadNetworkConfig picks the configuration the way libcni's users do: the
 * lexically first `*.conflist` in `confDir`, else the lexically first
 * `*.conf` / `*.json` (a single plugin, wrapped into a one-plugin list). The
 * chosen file must be valid; unlike kubelet, a broken file is an error rather
 * than silently skipped, so a bad node config shows up at the first pod.
 * Throws CniConfigError; reads only.
 */
export async function loadNetworkConfig(confDir: string): Promise<NetworkConfigList> {
  let entries;
  try {
    entries = await readdir(confDir, { withFileTypes: true });
  } catch (e) {
    if (isErrno(e, 'ENOENT'))
      throw new CniConfigError(`no network config: ${confDir} does not exist`);
    throw new CniConfigError(`cannot read ${confDir}`, undefined, { cause: e });
  }
  const files = entries
    .filter((d) => d.isFile() || d.isSymbolicLink())
    .map((d) => d.name)
    .sort();
  const chosen =
    files.find((f) => extname(f) === '.conflist') ??
    files.find((f) => extname(f) === '.conf' || extname(f) === '.json');
  if (!chosen) throw new CniConfigError(`no *.conflist, *.conf or *.json file in ${confDir}`);
  const file = join(confDir, chosen);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CniConfigError('cannot read', file, { cause: e });
  }
  return parseNetworkConfig(text, file);
}

/**
 * parseNetworkConfig validates a configuration file's text: a list (with
 * `plugins`) when `file` ends in `.conflist`, a single plugin otherwise.
 * Throws CniConfigError naming the field at fault.
 */
export function parseNetworkConfig(text: string, file: string): NetworkConfigList {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CniConfigError(`not valid JSON: ${(e as Error).message}`, file, { cause: e });
  }
  if (!isObject(raw)) throw new CniConfigError('not a JSON object', file);
  const name = raw['name'];
  const cniVersion = raw['cniVersion'];
  if (typeof name !== 'string' || !namePattern.test(name)) {
    throw new CniConfigError(`"name" must match ${namePattern.source}`, file);
  }
  if (typeof cniVersion !== 'string' || !supportedCniVersions.includes(cniVersion)) {
    throw new CniConfigError(
      `"cniVersion" ${JSON.stringify(cniVersion)} is not one of ${supportedCniVersions.join(', ')}`,
      file,
    );
  }
  const rawPlugins: unknown = extname(file) === '.conflist' ? raw['plugins'] : [raw];
  if (!Array.isArray(rawPlugins) || rawPlugins.length === 0) {
    throw new CniConfigError('"plugins" must be a non-empty array', file);
  }
  const plugins = rawPlugins.map((p: unknown, i) => validatePlugin(p, `plugins[${i}]`, file));
  return { cniVersion, name, plugins, file };
}

function validatePlugin(p: unknown, where: string, file: string): PluginConf {
  if (!isObject(p)) throw new CniConfigError(`${where} is not an object`, file);
  const type = p['type'];
  if (typeof type !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(type)) {
    throw new CniConfigError(`${where}.type must be a plugin file name`, file);
  }
  const caps = p['capabilities'];
  if (caps !== undefined) {
    if (!isObject(caps) || Object.values(caps).some((v) => typeof v !== 'boolean')) {
      throw new CniConfigError(`${where}.capabilities must map names to booleans`, file);
    }
  }
  return p as PluginConf;
}

/** CapabilityArgs are the runtime's values for plugin capabilities, by capability name. */
export type CapabilityArgs = Record<string, unknown>;

/**
 * pluginStdin builds the JSON a plugin reads on stdin, as libcni does: the
 * plugin's own entry with the list's `name` and `cniVersion`, `prevResult`
 * when given, and `runtimeConfig` holding each capability the plugin declares
 * and the runtime has a value for.
 */
export function pluginStdin(
  list: Pick<NetworkConfigList, 'name' | 'cniVersion'>,
  plugin: PluginConf,
  prevResult: unknown,
  capabilityArgs: CapabilityArgs,
): string {
  const conf: Record<string, unknown> = { ...plugin, name: list.name, cniVersion: list.cniVersion };
  if (prevResult !== undefined) conf['prevResult'] = prevResult;
  const runtimeConfig: Record<string, unknown> = {};
  for (const [cap, on] of Object.entries(plugin.capabilities ?? {})) {
    if (on && capabilityArgs[cap] !== undefined) runtimeConfig[cap] = capabilityArgs[cap];
  }
  if (Object.keys(runtimeConfig).length > 0) conf['runtimeConfig'] = runtimeConfig;
  return JSON.stringify(conf);
}

/** isObject reports whether `v` is a plain JSON object. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isErrno(e: unknown, code: string): boolean {
  return e instanceof Error && (e as NodeJS.ErrnoException).code === code;
}
