import { authHandlers } from '../auth/handlers';
import { systemHandlers } from '../system/handlers';
import { backupHandlers } from '../backup/handlers';
import { customersHandlers } from '../customers/handlers';
import { syncHandlers } from '../sync/handlers';
import type { Handlers } from './context';

/** Every contract method's implementation; the type makes a missing one a compile error. */
export const handlers: Handlers = {
  ...systemHandlers,
  ...authHandlers,
  ...backupHandlers,
  ...customersHandlers,
  ...syncHandlers,
};
