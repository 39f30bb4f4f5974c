import type { MethodInput, MethodName } from '../../src-shared/contract';

const SOME_ID = '01900000-0000-7000-8000-000000000000';

/**
 * One valid input per method, used by the contract tests: a caller without
 * the permission must get FORBIDDEN for a valid input, never a validation
 * error that hides a missing check. Every method must have an entry.
 */
export const VALID_INPUTS: { [M in MethodName]: MethodInput<M> } = {
  'system.status': {},
  'system.setup': {
    officeName: 'Office',
    language: 'en',
    currency: 'USD',
    admin: { displayName: 'Admin', username: 'admin2', password: 'password-1234' },
  },
  'settings.get': {},
  'settings.update': { officeName: 'Renamed office' },
  'sample.load': {},
  'audit.list': {},
  'audit.verify': {},
  'auth.login': { username: 'nobody', password: 'password-1234' },
  'auth.logout': {},
  'auth.me': {},
  'auth.lock': {},
  'auth.unlock': { password: 'password-1234' },
  'auth.changePassword': { currentPassword: 'password-1234', newPassword: 'password-5678' },
  'auth.setPreferences': { language: 'en' },
  'users.list': {},
  'users.create': { username: 'new.user', displayName: 'New User', password: 'password-1234', role: 'sales_rep' },
  'users.update': { id: SOME_ID, displayName: 'Renamed' },
  'users.resetPassword': { id: SOME_ID, password: 'password-1234' },
};
