/**
 * Labels: selector parsing and matching (apimachinery `labels`), metav1
 * LabelSelector conversion and validation, and the shared name validators
 * (DNS-1123/1035 names, qualified names, label values) with Kubernetes'
 * messages.
 */
export {
  DNS1035_LABEL_MAX_LENGTH,
  DNS1123_LABEL_MAX_LENGTH,
  DNS1123_SUBDOMAIN_MAX_LENGTH,
  LABEL_VALUE_MAX_LENGTH,
  QUALIFIED_NAME_MAX_LENGTH,
  emptyError,
  isDns1035Label,
  isDns1123Label,
  isDns1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  maxLenError,
  regexError,
} from './names.js';
export {
  TOTAL_ANNOTATION_SIZE_LIMIT_BYTES,
  validateAnnotations,
  validateLabelName,
  validateLabels,
} from './validation.js';
export {
  InvalidSelectorError,
  isInvalidSelector,
  newRequirement,
  requirementMatches,
  requirementString,
  type Requirement,
  type SelectorOperator,
} from './requirement.js';
export { parseRequirements } from './parser.js';
export {
  Selector,
  parseSelector,
  selectorFromLabelSelector,
  selectorFromSet,
  trySelectorFromLabelSelector,
  validateLabelSelector,
} from './selector.js';
