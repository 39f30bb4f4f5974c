/**
 * English strings. `zh-CN.ts` is typed against this object, so a key missing
 * from either language fails the type check.
 */
export const en = {
  app: {
    name: 'Harbor',
    tagline: 'The CRM that lives in your office',
  },
  errors: {
    VALIDATION_ERROR: 'Some fields need attention.',
    UNAUTHENTICATED: 'Please sign in.',
    FORBIDDEN: 'You do not have permission to do this.',
    NOT_FOUND: 'That record no longer exists.',
    CONFLICT: 'That conflicts with existing data.',
    SESSION_LOCKED: 'Harbor is locked. Enter your password to continue.',
    ACCOUNT_LOCKED: 'Too many failed attempts. Try again in {{minutes}} minutes.',
    INVALID_CREDENTIALS: 'Wrong username or password.',
    ALREADY_SET_UP: 'This office is already set up.',
    NOT_SET_UP: 'This office is not set up yet.',
    UNKNOWN_METHOD: 'Unknown operation.',
    INTERNAL: 'Something went wrong. Your data is safe; please try again.',
    network: 'Harbor cannot be reached. Check that it is still running.',
    username_taken: 'This username is already taken.',
    wrong_password: 'The password is wrong.',
    last_admin: 'The office needs at least one active administrator.',
    self_deactivate: 'You cannot deactivate your own account.',
    db_wrong_key: 'The database cannot be opened with this key. It was not changed.',
    db_key_missing: 'The database key is missing. The database was not changed.',
    db_too_new: 'This database was written by a newer Harbor (schema {{found}}; this app knows {{known}}). Update Harbor to open it.',
    sample_not_empty: 'Sample data can only be loaded into an empty office.',
  },
  shell: {
    startup_failed_title: 'Harbor cannot start',
    data_folder: 'Data folder: {{dir}}',
    key_unavailable:
      "This computer's secure storage (keychain) is not available, so Harbor cannot protect the database key. Nothing was changed. Unlock or set up the keychain and start Harbor again, or start it with --insecure-key-file to keep the key in a file only your account can read.",
    key_unreadable:
      'The database key saved in the keychain cannot be decrypted (the keychain was reset, or the data folder was copied from another computer). The database was not changed.',
  },
  validation: {
    invalid_type: 'This value is missing or has the wrong type.',
    required: 'Required.',
    too_small_string: 'At least {{minimum}} characters.',
    too_big_string: 'At most {{maximum}} characters.',
    too_small_number: 'Must be at least {{minimum}}.',
    too_big_number: 'Must be at most {{maximum}}.',
    too_small: 'Too small.',
    too_big: 'Too large.',
    invalid_format: 'Invalid format.',
    invalid_email: 'Not a valid email address.',
    invalid_value: 'Not one of the allowed values.',
    unrecognized_keys: 'Unexpected field.',
    invalid: 'Invalid value.',
    username_format: 'Use lowercase letters, digits, dot, dash or underscore, starting with a letter or digit.',
    password_mismatch: 'The passwords do not match.',
  },
} as const;

type Widen<T> = { [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
export type Resources = Widen<typeof en>;
