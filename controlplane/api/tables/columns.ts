import type { TableColumnDefinition } from '../types/index.js';

/** Builders for Table column definitions. */

const nameDescription =
  'Name must be unique within a namespace. It is required when creating resources, unless generateName is used. Cannot be updated.';
const ageDescription =
  'The time since the server created the object (creationTimestamp, RFC 3339, UTC).';

/** col builds a column; priority 1 columns show only with `-o wide`. */
export function col(
  name: string,
  description: string,
  opts: { type?: TableColumnDefinition['type']; priority?: number; format?: string } = {},
): TableColumnDefinition {
  return {
    name,
    type: opts.type ?? 'string',
    format: opts.format ?? '',
    description,
    priority: opts.priority ?? 0,
  };
}

/** nameCol is the Name column every kind starts with. */
export const nameCol = (): TableColumnDefinition =>
  col('Name', nameDescription, { format: 'name' });

/** ageCol is the Age column. */
export const ageCol = (): TableColumnDefinition => col('Age', ageDescription);

/** wide marks a column as shown only with `-o wide`. */
export const wide = (c: TableColumnDefinition): TableColumnDefinition => ({ ...c, priority: 1 });
