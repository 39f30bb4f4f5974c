import type { Suite } from '../lib';
import { customersSuite } from './customers';
import { syncSuite } from './sync';
import { backupSuite } from './backup';
import { statisticsSuite } from './statistics';

/** Every bench suite, in the order they run. Each area adds its own file here. */
export const suites: Suite[] = [customersSuite, syncSuite, backupSuite, statisticsSuite];
