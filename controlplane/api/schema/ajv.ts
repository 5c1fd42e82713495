import { Ajv, type ValidateFunction } from 'ajv';
import { isQuantityError, parseQuantity, quantityRegexp } from '../quantity/index.js';
import type { Shape } from './dsl.js';
import { allDefinitions } from './registry.js';

/**
 * The ajv side of the schemas: every definition becomes a JSON Schema with
 * `additionalProperties: false`, all in one root document, compiled lazily
 * per kind and cached. The compiled validators are immutable, so the cache is
 * a memo, not shared mutable state. Only JSON types and decode-time formats
 * (base64, timestamps, quantity syntax) are checked here; required fields and
 * value rules are validation's job, with apimachinery's messages.
 */

const rootId = 'tugboat-k8s';
const int32Range = { minimum: -2147483648, maximum: 2147483647 };

/** quantityPattern is the syntax Kubernetes' decoder names in its error message. */
export const quantityPattern = quantityRegexp;
const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const rfc3339Pattern = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** isBase64 accepts what Go's base64.StdEncoding decodes (line breaks are ignored). */
export function isBase64(s: string): boolean {
  return base64Pattern.test(s.replace(/[\r\n]/g, ''));
}

/** isQuantitySyntax tells whether a string decodes as a quantity (surrounding blanks allowed). */
export function isQuantitySyntax(s: string): boolean {
  try {
    parseQuantity(s.trim());
    return true;
  } catch (e) {
    if (isQuantityError(e)) return false;
    throw e;
  }
}

/** isRfc3339 accepts the timestamps metav1.Time and MicroTime decode. */
export function isRfc3339(s: string): boolean {
  return rfc3339Pattern.test(s) && !Number.isNaN(Date.parse(s));
}

function toJsonSchema(shape: Shape): Record<string, unknown> {
  switch (shape.t) {
    case 'string':
      return shape.format ? { type: 'string', format: shape.format } : { type: 'string' };
    case 'integer':
      return shape.format === 'int32' ? { type: 'integer', ...int32Range } : { type: 'integer' };
    case 'number':
      return { type: 'number' };
    case 'boolean':
      return { type: 'boolean' };
    case 'intOrString':
      return { type: ['integer', 'string'], ...int32Range };
    case 'quantity':
      return { type: ['string', 'number'], format: 'quantity' };
    case 'array':
      return { type: 'array', items: toJsonSchema(shape.items) };
    case 'map':
      return { type: 'object', additionalProperties: toJsonSchema(shape.values) };
    case 'ref':
      return { $ref: `#/definitions/${shape.name}` };
    case 'any':
      return {};
  }
}

function buildRootSchema(): Record<string, unknown> {
  const definitions: Record<string, unknown> = {};
  for (const [name, d] of Object.entries(allDefinitions)) {
    const properties: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(d.properties)) properties[k] = toJsonSchema(s);
    definitions[name] = { type: 'object', properties, additionalProperties: false };
  }
  return { $id: rootId, definitions };
}

interface Compiled {
  ajv: Ajv;
  validators: Map<string, ValidateFunction>;
}

let compiled: Compiled | undefined;

function compiledSchemas(): Compiled {
  if (compiled) return compiled;
  const ajv = new Ajv({
    allErrors: true,
    allowUnionTypes: true,
    // Shared definitions compile once and are called, not copied into every kind.
    inlineRefs: false,
    validateSchema: false,
  });
  ajv.addFormat('byte', { type: 'string', validate: isBase64 });
  ajv.addFormat('date-time', { type: 'string', validate: isRfc3339 });
  ajv.addFormat('quantity', { type: 'string', validate: isQuantitySyntax });
  ajv.addSchema(buildRootSchema());
  compiled = { ajv, validators: new Map() };
  return compiled;
}

/** validatorFor returns the compiled validator of one definition, compiling it on first use. */
export function validatorFor(definitionName: string): ValidateFunction {
  const c = compiledSchemas();
  let v = c.validators.get(definitionName);
  if (!v) {
    v = c.ajv.getSchema(`${rootId}#/definitions/${definitionName}`);
    if (!v) throw new Error(`schema: cannot compile ${definitionName}`);
    c.validators.set(definitionName, v);
  }
  return v;
}
