import path from 'node:path';
import { parseArgs } from 'node:util';
import { newLogger } from '../../lib/log.js';
import { buildTestImages } from './test-images.js';

/**
 * test-images-main builds the built-in test image archives; run by
 * scripts/build-test-images.sh as
 * `node dist/runtime-shim/images/test-images-main.js --src test-images --out DIR [--busybox PATH]`.
 * Prints one line per archive: `<file> <image name> <image id>`.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      src: { type: 'string', default: 'test-images' },
      out: { type: 'string', default: 'dist/test-images' },
      busybox: { type: 'string', default: '/bin/busybox' },
    },
  });
  const built = await buildTestImages({
    srcDir: path.resolve(values.src ?? 'test-images'),
    outDir: path.resolve(values.out ?? 'dist/test-images'),
    busybox: values.busybox ?? '/bin/busybox',
    logger: newLogger({ level: 'warn' }),
  });
  for (const archive of [built.busybox, built.webserver]) {
    for (const img of archive.images) {
      for (const tag of img.repoTags) process.stdout.write(`${archive.file} ${tag} ${img.id}\n`);
    }
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`build-test-images: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
