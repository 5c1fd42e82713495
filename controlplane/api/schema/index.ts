/**
 * JSON schemas of every served kind, written once in a small description
 * language (dsl.ts, defs-*.ts) and used three ways: ajv type checks and
 * unknown-field detection for request bodies, OpenAPI v3 documents for
 * kubectl, and schema-guided walks (quantities, list merge keys).
 */
export {
  checkTypes,
  decodeErrorMessage,
  findUnknownFields,
  hasSchema,
  pruneUnknownFields,
  strictDecodingMessage,
} from './check.js';
export { listMeta, openApiSchemas, type OpenApiSchema } from './openapi.js';
export { deleteNulls, mapQuantities, withoutNulls } from './walk.js';
export { isBase64, isQuantitySyntax, isRfc3339 } from './ajv.js';
export type { ListMeta } from './dsl.js';
