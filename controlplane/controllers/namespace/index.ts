/** The namespace controller: empties and finalizes namespaces being deleted. */
export { deleteContent, namespacedResources, type ContentReport } from './content.js';
export {
  KubernetesFinalizer,
  NamespaceController,
  contentConditions,
  namespaceController,
} from './namespace-controller.js';
