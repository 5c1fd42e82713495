/**
 * `tug image`: building images from a Dockerfile subset, importing image
 * archives, and listing what the builder's store and the nodes hold. The
 * builder keeps its own image store (FROM images, built images); every
 * image it builds or imports also goes into each node's shim. See README.md.
 */
export {
  imageCommand,
  type ImageCommandContext,
  type ImageCommandIo,
  type Sink,
} from './command.js';
export { buildImage, shortId, type BuildImageOptions, type BuiltImage } from './builder.js';
export {
  importImage,
  importToNodes,
  listImages,
  removeImage,
  type ImageList,
  type ImageNode,
  type ImageRow,
  type ImportedImages,
  type ImportImageOptions,
  type ListImagesOptions,
  type NodeOutcome,
} from './distribute.js';
export { parseDockerfile, type Instruction, type ParsedDockerfile } from './dockerfile.js';
export { planBuild, type BuildPlan, type BuildStep } from './plan.js';
export type { RunNetwork } from './run-step.js';
export {
  DockerfileError,
  ImageBuildError,
  isDockerfileError,
  isImageBuildError,
  isStoreBusyError,
  StoreBusyError,
  type BuildErrorReason,
} from './errors.js';
export { humanDuration, humanSize } from './format.js';
