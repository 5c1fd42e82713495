import { findByKind, type ResourceInfo } from '../../controlplane/api/resources.js';
import type { Obj } from '../resources/fetch.js';
import type { Manifest } from './read.js';

/** ValidationMode is `--validate`: strict (true), warn, or ignore (false). */
export type ValidationMode = 'strict' | 'warn' | 'ignore';

/** parseValidationMode reads `--validate=true|false|strict|warn|ignore`. */
export function parseValidationMode(v: string | boolean | undefined): ValidationMode | undefined {
  if (v === undefined || v === true) return 'strict';
  const s = String(v).toLowerCase();
  if (s === 'true' || s === 'strict') return 'strict';
  if (s === 'warn') return 'warn';
  if (s === 'false' || s === 'ignore') return 'ignore';
  return undefined;
}

/** fieldValidationFor is the `fieldValidation` query parameter a mode sends. */
export function fieldValidationFor(mode: ValidationMode): 'Strict' | 'Warn' | 'Ignore' {
  return mode === 'strict' ? 'Strict' : mode === 'warn' ? 'Warn' : 'Ignore';
}

/** ResolvedManifest is a manifest that passed the checks: its resource, namespace and name. */
export interface ResolvedManifest {
  manifest: Manifest;
  obj: Obj;
  info: ResourceInfo;
  /** namespace is set for namespaced resources (from the object, else -n / the context). */
  namespace?: string;
  /** name is '' only for create with generateName. */
  name: string;
  /** warnings are unknown fields when validation is `warn`. */
  warnings: string[];
}

/**
 * FieldChecker checks an object's fields against its kind (field-check.ts);
 * it returns the error text, or undefined and pushes unknown-field warnings.
 * It is passed in so that commands load the schemas only when they validate.
 */
export type FieldChecker = (
  source: string,
  obj: Obj,
  info: ResourceInfo,
  name: string,
  warnings: string[],
  mode: ValidationMode,
) => string | undefined;

/** ResolveOptions: the namespace in effect, whether -n was given, the validation mode. */
export interface ResolveOptions {
  namespace: string;
  namespaceExplicit: boolean;
  validation: ValidationMode;
  /** checkFields runs the field checks; without it only the structural checks run. */
  checkFields?: FieldChecker;
  /** allowGenerateName accepts objects with only generateName (create). */
  allowGenerateName?: boolean;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * resolveManifest checks one manifest before anything is sent: apiVersion and
 * kind set and served, a name, a namespace that agrees with `-n`, and —
 * unless validation is `ignore` — the JSON types, unknown fields (an error
 * when strict) and Kubernetes' validation after defaulting, each naming the
 * file and the field path. Returns the resolved manifest, or the error text
 * kubectl would print (without `error: `). The object gets its namespace set,
 * as kubectl does before computing the last-applied configuration.
 */
export function resolveManifest(m: Manifest, opts: ResolveOptions): ResolvedManifest | string {
  if (m.error || !m.obj) return m.error ?? `error parsing ${m.source}`;
  const obj = m.obj;
  const apiVersion = str(obj.apiVersion);
  const kind = str(obj.kind);
  if (!apiVersion || !kind) {
    const missing = [!apiVersion ? 'apiVersion not set' : '', !kind ? 'kind not set' : ''].filter(
      (s) => s,
    );
    return `error validating "${m.source}": error validating data: [${missing.join(', ')}]; if you choose to ignore these errors, turn validation off with --validate=false`;
  }
  const meta = (
    typeof obj.metadata === 'object' && obj.metadata !== null ? obj.metadata : {}
  ) as Obj['metadata'] & object;
  const name = str(meta.name) ?? '';
  const info = findByKind(apiVersion, kind);
  if (!info) {
    return `resource mapping not found for name: "${name}" namespace: "${str(meta.namespace) ?? ''}" from "${m.source}": no matches for kind "${kind}" in version "${apiVersion}"\nensure CRDs are installed first`;
  }
  if (!name && !(opts.allowGenerateName && str(meta['generateName']))) {
    return `error validating "${m.source}": ${kind} ${JSON.stringify(name)}: metadata.name: Required value: name or generateName is required`;
  }
  let namespace: string | undefined;
  if (info.namespaced) {
    const own = str(meta.namespace);
    if (own && opts.namespaceExplicit && own !== opts.namespace) {
      return `the namespace from the provided object "${own}" does not match the namespace "${opts.namespace}". You must pass '--namespace=${own}' to perform this operation.`;
    }
    namespace = own ?? opts.namespace;
    obj.metadata = { ...meta, namespace };
  }
  const warnings: string[] = [];
  if (opts.validation !== 'ignore' && opts.checkFields) {
    const problem = opts.checkFields(m.source, obj, info, name, warnings, opts.validation);
    if (problem) return problem;
  }
  const r: ResolvedManifest = { manifest: m, obj, info, name, warnings };
  if (namespace !== undefined) r.namespace = namespace;
  return r;
}
