/**
 * Permissions and built-in roles. Every contract method names one permission
 * (or `public` / `authenticated`); the dispatcher enforces it. Record- and
 * field-level rules build on these names.
 */
export const PERMISSIONS = [
  'settings.read',
  'settings.manage',
  'users.read',
  'users.manage',
  'audit.read',
  'sample.load',
  'customers.read',
  'customers.write',
  'customers.delete',
  'customers.purge',
  'customers.manageTags',
  'customers.readAll',
  'sales.read',
  'sales.write',
  'service.read',
  'service.write',
  'marketing.read',
  'marketing.write',
  'reports.read',
  'backup.manage',
  'sync.manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = [
  'administrator',
  'sales_manager',
  'sales_rep',
  'service_agent',
  'marketing',
  'read_only',
] as const;
export type Role = (typeof ROLES)[number];

const READ: Permission[] = [
  'settings.read',
  'users.read',
  'customers.read',
  'sales.read',
  'service.read',
  'marketing.read',
  'reports.read',
];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  administrator: PERMISSIONS,
  sales_manager: [
    ...READ,
    'customers.write',
    'customers.delete',
    'customers.manageTags',
    'customers.readAll',
    'sales.write',
  ],
  sales_rep: [...READ, 'customers.write', 'sales.write'],
  service_agent: [...READ, 'customers.write', 'customers.readAll', 'service.write'],
  marketing: [...READ, 'customers.readAll', 'customers.manageTags', 'marketing.write'],
  read_only: [...READ, 'customers.readAll'],
};

export function roleHas(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}
