import type { z } from 'zod';
import type { FieldError } from '../../../src-shared/errors';
import { HarborError } from '../../../src-shared/errors';

/**
 * Thrown by a handler whose work must be kept although the call fails, e.g.
 * counting a failed login: the transaction commits, then the error is returned.
 */
export class FailAfterCommit extends Error {
  constructor(readonly error: HarborError) {
    super(error.message);
    this.name = 'FailAfterCommit';
  }
}

export function fieldError(path: string, messageKey: string, params?: Record<string, string | number>): HarborError {
  return new HarborError('VALIDATION_ERROR', 'errors.VALIDATION_ERROR', undefined, [
    { path, messageKey, ...(params ? { params } : {}) },
  ]);
}

/** Maps zod issues to translated field errors (message keys plus parameters). */
export function zodFieldErrors(error: z.ZodError): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    const path = issue.path.map(String).join('.');
    if (issue.input === undefined && issue.code !== 'unrecognized_keys' && issue.code !== 'custom') {
      out.push({ path, messageKey: 'validation.required' });
      continue;
    }
    if (issue.message.startsWith('validation.')) {
      out.push({ path, messageKey: issue.message });
      continue;
    }
    switch (issue.code) {
      case 'too_small':
      case 'too_big': {
        const bound = issue.code === 'too_small' ? 'minimum' : 'maximum';
        const value = Number((issue as unknown as Record<string, unknown>)[bound]);
        const origin = issue.origin;
        if (issue.code === 'too_small' && origin === 'string' && value === 1) {
          out.push({ path, messageKey: 'validation.required' });
        } else if (origin === 'string' || origin === 'number') {
          out.push({ path, messageKey: `validation.${issue.code}_${origin}`, params: { [bound]: value } });
        } else {
          out.push({ path, messageKey: `validation.${issue.code}`, params: { [bound]: value } });
        }
        break;
      }
      case 'invalid_format':
        out.push({ path, messageKey: issue.format === 'email' ? 'validation.invalid_email' : 'validation.invalid_format' });
        break;
      case 'unrecognized_keys':
        for (const key of issue.keys) out.push({ path: path ? `${path}.${key}` : key, messageKey: 'validation.unrecognized_keys' });
        break;
      case 'invalid_type':
        out.push({ path, messageKey: 'validation.invalid_type' });
        break;
      case 'invalid_value':
        out.push({ path, messageKey: 'validation.invalid_value' });
        break;
      default:
        out.push({ path, messageKey: 'validation.invalid' });
    }
  }
  return out;
}
