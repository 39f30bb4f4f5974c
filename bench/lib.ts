import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { build } from 'esbuild';

/** One line of bench output (see GUIDE section 5). */
export interface Measure {
  name: string;
  unit: string;
  value?: number;
  p50?: number;
  p95?: number;
  n?: number;
  baseline?: number;
  ratio?: number;
  target?: string;
  [extra: string]: unknown;
}

export interface SuiteOptions {
  quick: boolean;
  report(measure: Measure): void;
}

export interface Suite {
  name: string;
  run(options: SuiteOptions): Promise<void>;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

/** Times `fn` n times and returns p50/p95 in ms. */
export function latency(name: string, n: number, fn: (i: number) => void): Measure {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn(i);
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return { name, unit: 'ms', p50: round(percentile(samples, 50)), p95: round(percentile(samples, 95)), n };
}

export function seconds<T>(fn: () => T): { result: T; ms: number } {
  const t0 = performance.now();
  const result = fn();
  return { result, ms: performance.now() - t0 };
}

export const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Worker scripts bundled as the app ships them (into out/bench-workers), so a
 * measure runs them without tsx compiling in the thread. Set the returned
 * folder as HARBOR_WORKER_DIR (see src-main/core/worker-script.ts).
 */
export async function bundleWorkers(entryPoints: Record<string, string>): Promise<string> {
  const root = join(import.meta.dirname, '..');
  const outdir = join(root, 'out/bench-workers');
  await build({
    entryPoints: Object.fromEntries(Object.entries(entryPoints).map(([name, entry]) => [name, join(root, entry)])),
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  return outdir;
}
