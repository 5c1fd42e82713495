/**
 * Resource quantities (apimachinery `resource.Quantity`) with exact
 * arithmetic: parsing, canonical printing, comparison and sums, for
 * validation, the scheduler, the node agent and the autoscaler.
 */
export {
  Quantity,
  QuantityError,
  canonicalQuantity,
  isQuantityError,
  parseQuantity,
  quantityFromJson,
  quantityRegexp,
  type QuantityFormat,
} from './quantity.js';
