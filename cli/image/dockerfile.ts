import { DockerfileError } from './errors.js';
import { splitRawWords, WordError } from './shell-words.js';

/**
 * Reading a Dockerfile into instructions, as Docker's parser does: parser
 * directives at the top (`# escape=` is honoured, `# syntax=` and `# check=`
 * are ignored), comment lines dropped anywhere (also inside continued
 * lines), lines continued with the escape character, keywords in any case,
 * exec (JSON) and shell forms. Arguments are kept as written here; variable
 * expansion needs the environment at that point of the build (see plan.ts).
 */

/** CommandForm is how RUN, CMD and ENTRYPOINT give their command. */
export type CommandForm = { form: 'exec'; args: string[] } | { form: 'shell'; command: string };

/** CopyFlags are the flags of COPY and ADD this builder supports, as written. */
export interface CopyFlags {
  chown?: string;
  chmod?: string;
}

interface Base {
  /** line is where the instruction starts (1-based). */
  line: number;
  /** text is the instruction as written on its (joined) line, for messages and history. */
  text: string;
}

/** Instruction is one parsed Dockerfile instruction. */
export type Instruction = Base &
  (
    | { kind: 'FROM'; image: string; stage?: string }
    | { kind: 'RUN' | 'CMD' | 'ENTRYPOINT'; command: CommandForm }
    | { kind: 'COPY' | 'ADD'; flags: CopyFlags; args: string[]; json: boolean }
    | { kind: 'ENV' | 'LABEL'; pairs: { key: string; value: string }[] }
    | { kind: 'EXPOSE' | 'USER' | 'WORKDIR' | 'STOPSIGNAL'; arg: string }
    | { kind: 'SHELL'; shell: string[] }
  );

/** ParsedDockerfile is a Dockerfile's instructions and the escape character they use. */
export interface ParsedDockerfile {
  instructions: Instruction[];
  escape: string;
}

const SUPPORTED = new Set([
  'FROM',
  'RUN',
  'CMD',
  'ENTRYPOINT',
  'COPY',
  'ADD',
  'ENV',
  'LABEL',
  'EXPOSE',
  'USER',
  'WORKDIR',
  'STOPSIGNAL',
  'SHELL',
]);

/** Instructions Docker knows that this builder does not do, with what to do instead. */
const UNSUPPORTED: Record<string, string> = {
  ARG: 'build arguments are not supported; use ENV, or write the value into the Dockerfile',
  ONBUILD: 'ONBUILD triggers are not supported',
  HEALTHCHECK: 'HEALTHCHECK is not supported; use a readiness or liveness probe in the pod spec',
  VOLUME: 'VOLUME is not supported; declare volumes in the pod spec',
  MAINTAINER: 'MAINTAINER is not supported; use LABEL maintainer=…',
};

const directiveRe = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.*?)\s*$/;

/**
 * parseDockerfile reads Dockerfile `text`. Throws DockerfileError (with the
 * line number, `file` naming it in the message) for anything it cannot read
 * or does not support. The result starts with a FROM.
 */
export function parseDockerfile(text: string, file = 'Dockerfile'): ParsedDockerfile {
  const lines = text.split(/\r?\n/);
  let escape = '\\';
  let i = 0;
  for (; i < lines.length; i++) {
    const m = directiveRe.exec(lines[i] as string);
    if (!m) break;
    if ((m[1] as string).toLowerCase() === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`') {
        throw new DockerfileError(
          file,
          i + 1,
          `invalid escape character ${JSON.stringify(m[2])}: use \\ or \``,
        );
      }
      escape = m[2];
    }
  }
  const continued = new RegExp(`${escape === '\\' ? '\\\\' : '`'}[ \\t]*$`);
  const instructions: Instruction[] = [];
  let buf: string | undefined;
  let start = 0;
  for (; i < lines.length; i++) {
    const line = lines[i] as string;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    if (buf === undefined) start = i + 1;
    if (continued.test(line)) {
      buf = (buf ?? '') + line.replace(continued, '');
      continue;
    }
    instructions.push(parseInstruction((buf ?? '') + line, start, file, escape));
    buf = undefined;
  }
  if (buf !== undefined && buf.trim() !== '') {
    instructions.push(parseInstruction(buf, start, file, escape));
  }
  if (instructions.length === 0)
    throw new DockerfileError(file, 1, 'the Dockerfile has no instructions');
  const first = instructions[0] as Instruction;
  if (first.kind !== 'FROM') {
    throw new DockerfileError(
      file,
      first.line,
      `the first instruction must be FROM, not ${first.kind}`,
    );
  }
  const second = instructions.find((ins, n) => n > 0 && ins.kind === 'FROM');
  if (second) {
    throw new DockerfileError(
      file,
      second.line,
      'multi-stage builds (a second FROM) are not supported',
    );
  }
  return { instructions, escape };
}

function parseInstruction(
  logical: string,
  line: number,
  file: string,
  escape: string,
): Instruction {
  const m = /^\s*(\S+)\s*([\s\S]*?)\s*$/.exec(logical);
  const keyword = (m?.[1] ?? '').toUpperCase();
  const rest = m?.[2] ?? '';
  const text = `${keyword}${rest === '' ? '' : ' ' + rest}`;
  const fail = (msg: string): never => {
    throw new DockerfileError(file, line, msg);
  };
  if (!SUPPORTED.has(keyword)) {
    const why = UNSUPPORTED[keyword];
    fail(why ? `${keyword}: ${why}` : `unknown instruction ${JSON.stringify(m?.[1] ?? keyword)}`);
  }
  const base = { line, text };
  try {
    switch (keyword) {
      case 'FROM':
        return { ...base, kind: 'FROM', ...parseFrom(rest, fail) };
      case 'RUN':
      case 'CMD':
      case 'ENTRYPOINT': {
        const { flags, remainder } = extractFlags(rest);
        if (flags.size > 0)
          fail(
            `${keyword} ${[...flags.keys()].map((f) => `--${f}`).join(' ')}: flags are not supported`,
          );
        if (remainder === '') fail(`${keyword} needs a command`);
        return { ...base, kind: keyword, command: commandForm(remainder) };
      }
      case 'COPY':
      case 'ADD':
        return { ...base, kind: keyword, ...parseCopy(keyword, rest, escape, fail) };
      case 'ENV':
      case 'LABEL':
        return { ...base, kind: keyword, pairs: parsePairs(keyword, rest, escape, fail) };
      case 'SHELL': {
        const args = jsonArray(rest);
        if (!args || args.length === 0)
          fail('SHELL needs the JSON form: SHELL ["executable", "parameters"]');
        return { ...base, kind: 'SHELL', shell: args as string[] };
      }
      default:
        if (rest === '') fail(`${keyword} needs an argument`);
        return {
          ...base,
          kind: keyword as 'EXPOSE' | 'USER' | 'WORKDIR' | 'STOPSIGNAL',
          arg: rest,
        };
    }
  } catch (e) {
    if (e instanceof WordError)
      throw new DockerfileError(file, line, `${keyword}: ${e.message}`, { cause: e });
    throw e;
  }
}

function parseFrom(rest: string, fail: (msg: string) => never): { image: string; stage?: string } {
  const { flags, remainder } = extractFlags(rest);
  if (flags.has('platform'))
    fail('FROM --platform is not supported: images are built for this machine');
  if (flags.size > 0) fail(`FROM: unknown flag --${[...flags.keys()][0] ?? ''}`);
  const words = remainder.split(/\s+/).filter((w) => w !== '');
  if (words.length === 1) return { image: words[0] as string };
  if (words.length === 3 && words[1]?.toLowerCase() === 'as') {
    return { image: words[0] as string, stage: words[2] as string };
  }
  return fail('FROM needs one image name, optionally followed by AS name');
}

function parseCopy(
  keyword: 'COPY' | 'ADD',
  rest: string,
  escape: string,
  fail: (msg: string) => never,
): { flags: CopyFlags; args: string[]; json: boolean } {
  const { flags, remainder } = extractFlags(rest);
  const out: CopyFlags = {};
  for (const [name, value] of flags) {
    if (name === 'chown' || name === 'chmod') {
      if (value === undefined || value === '')
        fail(`${keyword} --${name} needs a value (--${name}=…)`);
      out[name] = value;
    } else if (name === 'link') {
      // --link changes only how BuildKit caches the layer, not what it contains.
    } else if (name === 'from') {
      fail(`${keyword} --from is not supported: multi-stage builds are not supported`);
    } else {
      fail(`${keyword} --${name} is not supported`);
    }
  }
  const json = jsonArray(remainder);
  const args = json ?? splitRawWords(remainder, escape);
  if (args.length < 2) fail(`${keyword} needs at least one source and a destination`);
  return { flags: out, args, json: json !== undefined };
}

function parsePairs(
  keyword: 'ENV' | 'LABEL',
  rest: string,
  escape: string,
  fail: (msg: string) => never,
): { key: string; value: string }[] {
  const words = splitRawWords(rest, escape);
  if (words.length === 0) fail(`${keyword} needs at least one name=value`);
  if (!(words[0] as string).includes('=')) {
    // The legacy form `ENV name value…`: the value is the rest of the line.
    const m = /^(\S+)\s+([\s\S]+)$/.exec(rest);
    if (!m) return fail(`${keyword} ${words[0]} needs a value: ${keyword} name=value`);
    return [{ key: m[1] as string, value: m[2] as string }];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq < 0) fail(`${keyword}: can't find = in ${JSON.stringify(w)}; write name=value`);
    if (eq === 0) fail(`${keyword}: a name is missing before = in ${JSON.stringify(w)}`);
    return { key: w.slice(0, eq), value: w.slice(eq + 1) };
  });
}

/** commandForm reads the exec (JSON array of strings) or shell form of a command. */
function commandForm(rest: string): CommandForm {
  const args = jsonArray(rest);
  return args ? { form: 'exec', args } : { form: 'shell', command: rest };
}

/** jsonArray parses `text` as a JSON array of strings; undefined when it is not one. */
function jsonArray(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
}

/**
 * extractFlags takes the leading `--name[=value]` words off `rest`, as
 * Docker reads builder flags; `--` ends them.
 */
function extractFlags(rest: string): { flags: Map<string, string | undefined>; remainder: string } {
  const flags = new Map<string, string | undefined>();
  let remainder = rest;
  for (;;) {
    const m = /^--(\S*)(?:\s+|$)/.exec(remainder);
    if (!m) break;
    remainder = remainder.slice(m[0].length);
    const word = m[1] as string;
    if (word === '') break;
    const eq = word.indexOf('=');
    if (eq < 0) flags.set(word.toLowerCase(), undefined);
    else flags.set(word.slice(0, eq).toLowerCase(), word.slice(eq + 1));
  }
  return { flags, remainder };
}
