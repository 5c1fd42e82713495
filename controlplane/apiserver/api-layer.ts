import { newBadRequest, newInternalError } from '../api/errors.js';
import { applyDefaults } from '../api/defaults/index.js';
import { convertHpa } from '../api/conversion/index.js';
import { selectorFromLabelSelector } from '../api/labels/index.js';
import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  isPatchError,
  patchErrorToStatus,
  patchMetaFor,
} from '../api/patch/index.js';
import type { ResourceInfo } from '../api/resources.js';
import {
  checkTypes,
  findUnknownFields,
  openApiSchemas,
  pruneUnknownFields,
} from '../api/schema/index.js';
import type { GroupVersionKind } from '../api/types/gvk.js';
import { hasTablePrinter, tableCells, tableColumns } from '../api/tables/index.js';
import { validate } from '../api/validation/index.js';
import type { Edge, PatchType } from './http/edge.js';
import type { OpenApiSource } from './http/openapi.js';
import type { ColumnDefinition } from './http/table.js';
import type { Machinery } from './registry/machinery.js';
import type { ApiObject } from './registry/types.js';
import { buildSelection } from './selection.js';

const gvkOf = (info: ResourceInfo, version = info.version): GroupVersionKind => ({
  group: info.group,
  version,
  kind: info.kind,
});

/** ApiLayer is the API's schema layer as the server uses it. */
export interface ApiLayer {
  edge: Edge;
  machinery: Machinery;
  openapi: OpenApiSource;
}

/**
 * createApiLayer wires controlplane/api (schemas, defaults, validation,
 * conversion, patches, selectors, tables) into the shapes the registry and
 * the HTTP handlers take.
 */
export function createApiLayer(): ApiLayer {
  const machinery: Machinery = {
    applyDefaults(info, obj, operation) {
      applyDefaults(gvkOf(info, info.storageVersion), obj, { operation });
    },
    validate(info, obj, old, subresource) {
      return validate(gvkOf(info, info.storageVersion), obj, {
        ...(old ? { old } : {}),
        ...(subresource === 'status' ? { subresource: 'status' as const } : {}),
      });
    },
  };
  const convert = (info: ResourceInfo, obj: ApiObject, to: string): ApiObject => {
    if (info.group === 'autoscaling' && info.resource === 'horizontalpodautoscalers') {
      return convertHpa(obj as never, to as 'v1' | 'v2') as unknown as ApiObject;
    }
    return obj;
  };
  const edge: Edge = {
    checkTypes: (info, obj) => checkTypes(gvkOf(info), obj),
    unknownFields: (info, obj) => findUnknownFields(gvkOf(info), obj),
    pruneUnknownFields: (info, obj) => pruneUnknownFields(gvkOf(info), obj),
    toStorage: (info, obj) =>
      info.version === info.storageVersion ? obj : convert(info, obj, info.storageVersion),
    fromStorage: (info, obj) =>
      info.version === info.storageVersion ? obj : convert(info, obj, info.version),
    applyPatch(info, type: PatchType, current, patch) {
      try {
        if (type === 'json') return applyJsonPatch(current, patch);
        if (type === 'merge') return applyMergePatch(current, patch);
        return applyStrategicMergePatch(current, patch, patchMetaFor(info.group, info.kind));
      } catch (e) {
        if (isPatchError(e)) throw patchErrorToStatus(e);
        throw newInternalError(e);
      }
    },
    selection: buildSelection,
    selectorString(sel) {
      try {
        return selectorFromLabelSelector(sel).toString();
      } catch {
        throw newBadRequest('the object has an invalid label selector');
      }
    },
    printer: {
      columns: (info) =>
        hasTablePrinter(gvkOf(info))
          ? (tableColumns(gvkOf(info)) as ColumnDefinition[])
          : undefined,
      cells: (info, obj, now) => tableCells(gvkOf(info), obj, now),
    },
  };
  return { edge, machinery, openapi: openApiSchemas };
}
