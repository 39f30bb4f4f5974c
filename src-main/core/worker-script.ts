/**
 * Starts a worker thread from a module's own folder: the TypeScript source
 * beside the caller when running from source (tests, the CLI under tsx),
 * through tsx inside the thread; or the built script in the main bundle.
 * `HARBOR_WORKER_DIR` names a folder of built worker scripts to use even from
 * source (the benchmarks measure the workers the app ships, not tsx's start-up).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

export function startWorkerScript(callerUrl: string, source: string, built: string, workerData: unknown): Worker {
  const builtDir = process.env.HARBOR_WORKER_DIR;
  if (builtDir && existsSync(join(builtDir, built))) return new Worker(join(builtDir, built), { workerData });
  if (callerUrl.endsWith('.ts')) {
    const tsx = createRequire(callerUrl).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs');
    const code = `import(${JSON.stringify(pathToFileURL(tsx).href)}).then((api) => { api.register(); return import(${JSON.stringify(new URL(source, callerUrl).href)}); });`;
    return new Worker(code, { eval: true, workerData });
  }
  for (const candidate of [`./${built}`, `../${built}`]) {
    const file = fileURLToPath(new URL(candidate, callerUrl));
    if (existsSync(file)) return new Worker(file, { workerData });
  }
  throw new Error(`worker script ${built} not found`);
}
