/**
 * Bundles child-process scripts (and the worker scripts they start) with
 * esbuild the way the production build does, so each start of a child in a
 * kill test takes a fraction of a second instead of tsx's start-up.
 */
import { build } from 'esbuild';

export async function bundleForNode(entryPoints: Record<string, string>, outdir: string): Promise<void> {
  await build({
    entryPoints,
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outExtension: { '.js': '.js' },
    external: ['better-sqlite3'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'error',
  });
}
