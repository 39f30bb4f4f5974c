import type { Suite } from '../lib';

/** Every bench suite, in the order they run. Each area adds its own file here. */
export const suites: Suite[] = [];
