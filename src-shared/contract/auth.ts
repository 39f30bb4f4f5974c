import { z } from 'zod';
import { method } from './define';
import {
  emptyInput,
  idSchema,
  languageSchema,
  okOutput,
  passwordSchema,
  permissionSchema,
  roleSchema,
  text,
  themeSchema,
  usernameSchema,
} from './common';

export const userSchema = z.object({
  id: idSchema,
  username: z.string(),
  displayName: z.string(),
  role: roleSchema,
  language: languageSchema.nullable(),
  theme: themeSchema,
  active: z.boolean(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type User = z.infer<typeof userSchema>;

export const sessionSchema = z.object({
  token: z.string(),
  expiresAt: z.number(),
  user: userSchema,
  permissions: z.array(permissionSchema),
  idleLockMinutes: z.number(),
});
export type Session = z.infer<typeof sessionSchema>;

export const authMethods = {
  'auth.login': method({
    summary: 'Sign in with username and password; returns a session token.',
    access: 'public',
    mutates: true,
    input: z.object({ username: usernameSchema, password: z.string().min(1).max(256) }).strict(),
    output: sessionSchema,
  }),
  'auth.logout': method({
    summary: 'End the current session.',
    access: 'authenticated',
    whileLocked: true,
    mutates: true,
    input: emptyInput,
    output: okOutput,
  }),
  'auth.me': method({
    summary: 'The signed-in user, permissions and whether the session is locked.',
    access: 'authenticated',
    whileLocked: true,
    mutates: false,
    input: emptyInput,
    output: sessionSchema.omit({ token: true }).extend({ locked: z.boolean() }),
  }),
  'auth.lock': method({
    summary: 'Lock the current session (idle lock); only unlock and logout work until unlocked.',
    access: 'authenticated',
    whileLocked: true,
    mutates: true,
    input: emptyInput,
    output: okOutput,
  }),
  'auth.unlock': method({
    summary: "Unlock the current session with the user's password.",
    access: 'authenticated',
    whileLocked: true,
    mutates: true,
    input: z.object({ password: z.string().min(1).max(256) }).strict(),
    output: okOutput,
  }),
  'auth.changePassword': method({
    summary: 'Change the signed-in user’s password.',
    access: 'authenticated',
    mutates: true,
    input: z.object({ currentPassword: z.string().min(1).max(256), newPassword: passwordSchema }).strict(),
    output: okOutput,
  }),
  'auth.setPreferences': method({
    summary: 'Save the signed-in user’s language and theme.',
    access: 'authenticated',
    whileLocked: true,
    mutates: true,
    input: z.object({ language: languageSchema.optional(), theme: themeSchema.optional() }).strict(),
    output: userSchema,
  }),
  'users.list': method({
    summary: 'List user accounts.',
    access: 'users.read',
    mutates: false,
    input: z.object({ includeInactive: z.boolean().default(false) }).strict(),
    output: z.array(userSchema),
  }),
  'users.create': method({
    summary: 'Create a user account with a role.',
    access: 'users.manage',
    mutates: true,
    input: z
      .object({
        username: usernameSchema,
        displayName: text(80),
        password: passwordSchema,
        role: roleSchema,
        language: languageSchema.nullable().default(null),
      })
      .strict(),
    output: userSchema,
  }),
  'users.update': method({
    summary: 'Change a user’s name, role or active state.',
    access: 'users.manage',
    mutates: true,
    input: z
      .object({
        id: idSchema,
        displayName: text(80).optional(),
        role: roleSchema.optional(),
        active: z.boolean().optional(),
      })
      .strict(),
    output: userSchema,
  }),
  'users.resetPassword': method({
    summary: 'Set a new password for a user and end their sessions.',
    access: 'users.manage',
    mutates: true,
    input: z.object({ id: idSchema, password: passwordSchema }).strict(),
    output: okOutput,
  }),
};
