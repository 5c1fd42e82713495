/**
 * kubectl's JSONPath dialect (client-go util/jsonpath) for `-o jsonpath=…`,
 * `-o custom-columns=…` and `--sort-by`.
 */
export { JsonPath, jsonText, sortKeys, type JsonPathOptions } from './eval.js';
export { JsonPathError } from './parser.js';

/**
 * relaxedTemplate turns `.spec.replicas` or `spec.replicas` into
 * `{.spec.replicas}`, as kubectl does for custom columns and --sort-by.
 */
export function relaxedTemplate(expr: string): string {
  let e = expr.trim();
  if (e.startsWith('{') && e.endsWith('}')) e = e.slice(1, -1);
  if (!e.startsWith('.') && !e.startsWith('$')) e = `.${e}`;
  return `{${e}}`;
}
