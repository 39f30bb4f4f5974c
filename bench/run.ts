/**
 * `npm run bench [-- --quick] [-- --only <suite>]`: runs every suite in
 * bench/suites, prints one JSON object per line per measure and writes them
 * all to bench-results.json. Each measure that has a target carries its
 * baseline (measured in the same run) and the ratio.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { suites } from './suites';
import type { Measure } from './lib';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, only: { type: 'string', multiple: true } },
  });
  const results: Measure[] = [];
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  const report = (measure: Measure) => {
    results.push(measure);
    console.log(JSON.stringify(measure));
  };
  for (const suite of suites) {
    if (values.only && !values.only.includes(suite.name)) continue;
    // Progress goes to stderr: stdout carries the JSON lines only.
    console.error(`bench: ${suite.name}${values.quick ? ' (quick)' : ''}...`);
    const t0 = performance.now();
    await suite.run({ quick: values.quick, report });
    console.error(`bench: ${suite.name} took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    report({ name: `${suite.name}.peakRss`, unit: 'MB', value: Math.round(peakRss / 1024 / 1024) });
  }
  clearInterval(sampler);
  writeFileSync('bench-results.json', `${results.map((r) => JSON.stringify(r)).join('\n')}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
