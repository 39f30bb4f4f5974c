/**
 * Typed errors that cross the process boundary. Every error carries a stable
 * `code`, an i18n `messageKey` (translated by the renderer) and, for
 * validation errors, the offending fields. Stack traces never cross.
 */
export const ERROR_CODES = [
  'VALIDATION_ERROR',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'SESSION_LOCKED',
  'ACCOUNT_LOCKED',
  'INVALID_CREDENTIALS',
  'ALREADY_SET_UP',
  'NOT_SET_UP',
  'UNKNOWN_METHOD',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface FieldError {
  /** Dotted path of the field inside the input, e.g. `admin.password`. */
  path: string;
  /** i18n key, e.g. `validation.too_small`. */
  messageKey: string;
  params?: Record<string, string | number>;
}

export interface ApiError {
  code: ErrorCode;
  messageKey: string;
  params?: Record<string, string | number>;
  fields?: FieldError[];
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** Thrown inside the core; turned into an `ApiError` by the dispatcher. */
export class HarborError extends Error {
  readonly code: ErrorCode;
  readonly messageKey: string;
  readonly params?: Record<string, string | number>;
  readonly fields?: FieldError[];

  constructor(
    code: ErrorCode,
    messageKey = `errors.${code}`,
    params?: Record<string, string | number>,
    fields?: FieldError[],
  ) {
    super(`${code}: ${messageKey}`);
    this.name = 'HarborError';
    this.code = code;
    this.messageKey = messageKey;
    this.params = params;
    this.fields = fields;
  }

  toApiError(): ApiError {
    const error: ApiError = { code: this.code, messageKey: this.messageKey };
    if (this.params) error.params = this.params;
    if (this.fields) error.fields = this.fields;
    return error;
  }
}

export function isApiError(value: unknown): value is ApiError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ApiError).code === 'string' &&
    typeof (value as ApiError).messageKey === 'string'
  );
}
