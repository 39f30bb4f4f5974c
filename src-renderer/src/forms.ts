/** Puts a failed call's field errors onto a form and returns the sentence for the whole form. */
import type { TFunction } from 'i18next';
import { isApiCallError } from './api/client';
import { errorMessage, fieldMessage } from './i18n';

interface FieldErrorTarget {
  setFieldError(path: string, error: string): void;
}

/**
 * @param mapPath turns an input path from the contract (e.g. `admin.password`) into the form's field path;
 *                return null for fields the form does not show (their message then joins the form message).
 * @returns the form-level message, or null when every problem sits on a field.
 */
export function applyApiError(
  form: FieldErrorTarget,
  error: unknown,
  t: TFunction,
  mapPath: (path: string) => string | null = (path) => path,
): string | null {
  if (!isApiCallError(error)) return t('errors.INTERNAL');
  const fields = error.error.fields ?? [];
  const unplaced: string[] = [];
  for (const field of fields) {
    const path = mapPath(field.path);
    if (path) form.setFieldError(path, fieldMessage(t, field));
    else unplaced.push(fieldMessage(t, field));
  }
  if (fields.length > 0 && unplaced.length === 0) return null;
  return [errorMessage(t, error.error), ...unplaced].join(' ');
}
