import { FieldPath, fieldErrors, type FieldError } from '../field-path.js';
import type { LabelSelector, LabelSelectorRequirement } from '../meta.js';
import { isValidLabelValue } from './names.js';
import { parseRequirements } from './parser.js';
import {
  InvalidSelectorError,
  isInvalidSelector,
  newRequirement,
  requirementMatches,
  requirementString,
  type Requirement,
  type SelectorOperator,
} from './requirement.js';
import { validateLabelName, validateLabels } from './validation.js';

const byKey = (a: Requirement, b: Requirement): number =>
  a.key < b.key ? -1 : a.key > b.key ? 1 : 0;

/**
 * Selector is an immutable label selector: requirements ANDed, kept sorted by
 * key so that `toString()` is canonical. The empty selector matches
 * everything; `Selector.nothing()` matches nothing (what a missing
 * `spec.selector` means).
 */
export class Selector {
  private constructor(
    private readonly reqs: readonly Requirement[],
    private readonly matchesNothing: boolean,
  ) {}

  /** everything is the empty selector: it matches every label set. */
  static everything(): Selector {
    return new Selector([], false);
  }

  /** nothing matches no label set; it prints as ''. */
  static nothing(): Selector {
    return new Selector([], true);
  }

  /** of builds a selector from requirements already checked with newRequirement. */
  static of(reqs: readonly Requirement[]): Selector {
    return new Selector([...reqs].sort(byKey), false);
  }

  /** matches tells whether every requirement holds for `labels` (missing labels are an empty set). */
  matches(labels: Readonly<Record<string, string>> | undefined): boolean {
    if (this.matchesNothing) return false;
    return this.reqs.every((r) => requirementMatches(r, labels));
  }

  /** empty is true for the match-everything selector (no requirements). */
  empty(): boolean {
    return !this.matchesNothing && this.reqs.length === 0;
  }

  /** isNothing is true for the match-nothing selector. */
  isNothing(): boolean {
    return this.matchesNothing;
  }

  /** requirements are the ANDed requirements, sorted by key. */
  requirements(): readonly Requirement[] {
    return this.reqs;
  }

  /** add returns a selector with more requirements (the match-nothing selector stays so). */
  add(...reqs: Requirement[]): Selector {
    if (this.matchesNothing) return this;
    return Selector.of([...this.reqs, ...reqs]);
  }

  /**
   * requiresExactMatch returns the single value the selector demands for
   * `key` (`key=v`, `key==v`, `key in (v)`), or undefined. An index lookup
   * (pods by node, by label) can use it.
   */
  requiresExactMatch(key: string): string | undefined {
    const r = this.reqs.find((x) => x.key === key);
    if (!r) return undefined;
    if (
      (r.operator === '=' || r.operator === '==' || r.operator === 'in') &&
      r.values.length === 1
    ) {
      return r.values[0];
    }
    return undefined;
  }

  /** toString is Kubernetes' canonical text (`app=web,tier in (back,front)`); '' for everything and nothing. */
  toString(): string {
    return this.reqs.map(requirementString).join(',');
  }
}

/** parseSelector parses selector text like apimachinery's labels.Parse; throws InvalidSelectorError. */
export function parseSelector(text: string): Selector {
  return Selector.of(parseRequirements(text));
}

/**
 * selectorFromSet builds `k1=v1,k2=v2` from a label map, checking keys and
 * values (ValidatedSelectorFromSet); an empty or missing map is everything.
 */
export function selectorFromSet(labels: Readonly<Record<string, string>> | undefined): Selector {
  if (!labels) return Selector.everything();
  return Selector.of(Object.keys(labels).map((k) => newRequirement(k, '=', [labels[k] as string])));
}

const expressionOperators: Readonly<
  Record<LabelSelectorRequirement['operator'], SelectorOperator>
> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

/**
 * selectorFromLabelSelector turns a metav1.LabelSelector into a Selector
 * (LabelSelectorAsSelector): a missing selector matches nothing, an empty one
 * everything; matchLabels and matchExpressions are ANDed. It throws
 * InvalidSelectorError (with field errors) for an invalid one.
 */
export function selectorFromLabelSelector(ls: LabelSelector | null | undefined): Selector {
  if (ls === null || ls === undefined) return Selector.nothing();
  const matchLabels = ls.matchLabels ?? {};
  const exprs = ls.matchExpressions ?? [];
  if (Object.keys(matchLabels).length + exprs.length === 0) return Selector.everything();
  const reqs: Requirement[] = [];
  for (const k of Object.keys(matchLabels)) {
    reqs.push(newRequirement(k, '=', [matchLabels[k] as string]));
  }
  for (const expr of exprs) {
    const op = Object.hasOwn(expressionOperators, expr.operator)
      ? expressionOperators[expr.operator]
      : undefined;
    if (!op) {
      throw new InvalidSelectorError(
        `${JSON.stringify(expr.operator)} is not a valid label selector operator`,
      );
    }
    reqs.push(newRequirement(expr.key, op, expr.values ?? []));
  }
  return Selector.of(reqs);
}

/**
 * trySelectorFromLabelSelector is selectorFromLabelSelector returning the
 * error instead of throwing it, for code that treats a bad selector as "no
 * match" (controllers reading objects that predate validation).
 */
export function trySelectorFromLabelSelector(
  ls: LabelSelector | null | undefined,
): Selector | InvalidSelectorError {
  try {
    return selectorFromLabelSelector(ls);
  } catch (e) {
    if (isInvalidSelector(e)) return e;
    throw e;
  }
}

/**
 * validateLabelSelector reports everything wrong with a metav1.LabelSelector
 * at `path` (ValidateLabelSelector): label syntax in matchLabels, and for each
 * expression its operator, key, and whether values are given as the operator
 * needs.
 */
export function validateLabelSelector(
  ls: LabelSelector | null | undefined,
  path: FieldPath,
): FieldError[] {
  if (!ls) return [];
  const errs = validateLabels(ls.matchLabels, path.child('matchLabels'));
  (ls.matchExpressions ?? []).forEach((expr, i) => {
    const p = path.child('matchExpressions').index(i);
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          errs.push(
            fieldErrors.required(
              p.child('values'),
              "must be specified when `operator` is 'In' or 'NotIn'",
            ),
          );
        }
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) {
          errs.push(
            fieldErrors.forbidden(
              p.child('values'),
              "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            ),
          );
        }
        break;
      default:
        errs.push(
          fieldErrors.invalid(p.child('operator'), expr.operator, 'not a valid selector operator'),
        );
    }
    errs.push(...validateLabelName(expr.key, p.child('key')));
    values.forEach((v, j) => {
      for (const msg of isValidLabelValue(v)) {
        errs.push(fieldErrors.invalid(p.child('values').index(j), v, msg));
      }
    });
  });
  return errs;
}
