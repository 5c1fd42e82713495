import { FieldPath, fieldErrors, formatFieldError, type FieldError } from '../field-path.js';
import { isQualifiedName, isValidLabelValue } from './names.js';

/**
 * SelectorOperator is apimachinery's `selection.Operator`: `=`, `==`, `!=`,
 * `in`, `notin`, `exists`, `!` (does not exist), `gt`, `lt`.
 */
export type SelectorOperator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

const operators: readonly SelectorOperator[] = [
  '!',
  '=',
  '==',
  'in',
  '!=',
  'notin',
  'exists',
  'gt',
  'lt',
];

/** Requirement is one condition on one label key; a selector ANDs them. */
export interface Requirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: readonly string[];
}

/**
 * InvalidSelectorError is a label selector that cannot be parsed or built.
 * `fieldErrors` holds the field errors behind it, if any, for validation
 * code; the message is fit for a 400 answer.
 */
export class InvalidSelectorError extends Error {
  override name = 'InvalidSelectorError';
  readonly fieldErrors: readonly FieldError[];

  constructor(message: string, fieldErrors: readonly FieldError[] = [], options?: ErrorOptions) {
    super(message, options);
    this.fieldErrors = fieldErrors;
  }
}

/** isInvalidSelector tells whether `e` is an InvalidSelectorError. */
export function isInvalidSelector(e: unknown): e is InvalidSelectorError {
  return e instanceof InvalidSelectorError;
}

/** aggregateMessage joins distinct messages the way apimachinery's error aggregate prints them. */
export function aggregateMessage(errs: readonly FieldError[]): string {
  const texts = [...new Set(errs.map(formatFieldError))];
  return texts.length === 1 ? (texts[0] as string) : `[${texts.join(', ')}]`;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** parseInt64 reads a base-10 int64 as Go's strconv.ParseInt does, or undefined. */
export function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const v = BigInt(s);
  return v < INT64_MIN || v > INT64_MAX ? undefined : v;
}

/** keyErrors reports a label key that is not a qualified name. */
export function keyErrors(key: string, path: FieldPath | string): FieldError[] {
  const msgs = isQualifiedName(key);
  return msgs.length === 0 ? [] : [fieldErrors.invalid(path, key, msgs.join('; '))];
}

/**
 * newRequirement checks and builds a requirement (apimachinery
 * NewRequirement): the key must be a qualified name, values valid label
 * values, `in`/`notin` need values, `=`/`==`/`!=` exactly one, `exists`/`!`
 * none, `gt`/`lt` one integer. It throws InvalidSelectorError listing every
 * problem, with paths under `path`.
 */
export function newRequirement(
  key: string,
  operator: SelectorOperator,
  values: readonly string[],
  path: FieldPath = FieldPath.root(),
): Requirement {
  const errs: FieldError[] = [...keyErrors(key, path.child('key'))];
  const valuePath = path.child('values');
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) {
        errs.push(
          fieldErrors.invalid(
            valuePath,
            values,
            "for 'in', 'notin' operators, values set can't be empty",
          ),
        );
      }
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) {
        errs.push(
          fieldErrors.invalid(
            valuePath,
            values,
            'exact-match compatibility requires one single value',
          ),
        );
      }
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) {
        errs.push(
          fieldErrors.invalid(
            valuePath,
            values,
            'values set must be empty for exists and does not exist',
          ),
        );
      }
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) {
        errs.push(
          fieldErrors.invalid(
            valuePath,
            values,
            "for 'Gt', 'Lt' operators, exactly one value is required",
          ),
        );
      }
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errs.push(
            fieldErrors.invalid(
              valuePath.index(i),
              v,
              "for 'Gt', 'Lt' operators, the value must be an integer",
            ),
          );
        }
      });
      break;
    default:
      errs.push(fieldErrors.notSupported(path.child('operator'), operator, operators));
  }
  values.forEach((v, i) => {
    const msgs = isValidLabelValue(v);
    if (msgs.length > 0) {
      errs.push(fieldErrors.invalid(valuePath.index(i).key(key), v, msgs.join('; ')));
    }
  });
  if (errs.length > 0) throw new InvalidSelectorError(aggregateMessage(errs), errs);
  return { key, operator, values: [...values] };
}

const has = (labels: Readonly<Record<string, string>>, key: string): boolean =>
  Object.hasOwn(labels, key) && typeof labels[key] === 'string';

/** requirementMatches applies one requirement to a label set (a missing set is empty). */
export function requirementMatches(
  r: Requirement,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const ls = labels ?? {};
  const present = has(ls, r.key);
  const value = present ? ls[r.key] : undefined;
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return present && r.values.includes(value as string);
    case 'notin':
    case '!=':
      return !present || !r.values.includes(value as string);
    case 'exists':
      return present;
    case '!':
      return !present;
    case 'gt':
    case 'lt': {
      if (!present || r.values.length !== 1) return false;
      const have = parseInt64(value as string);
      const want = parseInt64(r.values[0] as string);
      if (have === undefined || want === undefined) return false;
      return r.operator === 'gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

/**
 * requirementString prints a requirement in selector syntax: `app=web`,
 * `!canary`, `tier in (back,front)` (values sorted).
 */
export function requirementString(r: Requirement): string {
  let s = r.operator === '!' ? `!${r.key}` : r.key;
  switch (r.operator) {
    case 'exists':
    case '!':
      return s;
    case 'in':
      s += ' in ';
      break;
    case 'notin':
      s += ' notin ';
      break;
    case 'gt':
      s += '>';
      break;
    case 'lt':
      s += '<';
      break;
    default:
      s += r.operator;
  }
  const values = r.values.length === 1 ? (r.values[0] as string) : [...r.values].sort().join(',');
  return r.operator === 'in' || r.operator === 'notin' ? `${s}(${values})` : s + values;
}
