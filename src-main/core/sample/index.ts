/**
 * Sample data for a newcomer: each business area contributes a loader. A
 * loader writes through `ctx.write` like any user action, so sample rows are
 * in the change log and sync like real ones.
 */
import type { CallContext } from '../rpc/context';
import { loadSampleCustomers } from '../customers/sample';
import { loadSampleStaff } from './staff';

export type SampleLoader = (ctx: CallContext) => Record<string, number>;

const loaders: SampleLoader[] = [(ctx) => ({ users: loadSampleStaff(ctx) }), loadSampleCustomers];

export function registerSampleLoader(loader: SampleLoader): void {
  loaders.push(loader);
}

export function loadSampleData(ctx: CallContext): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const loader of loaders) Object.assign(counts, loader(ctx));
  return counts;
}
