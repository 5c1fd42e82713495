/**
 * Field selectors (apimachinery `fields`): parsing with Kubernetes' escaping,
 * matching against an object's selectable fields, and the "is this an exact
 * match on field X" questions the API server asks to pick an index.
 */
export {
  FieldSelector,
  InvalidFieldSelectorError,
  escapeFieldValue,
  fieldGetter,
  fieldSelectorFromSet,
  isInvalidFieldSelector,
  parseFieldSelector,
  unescapeFieldValue,
  type FieldOperator,
  type FieldRequirement,
  type FieldTransform,
} from './selector.js';
