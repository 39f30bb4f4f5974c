/** Puts a failed call's field errors onto a form and returns the sentence for the whole form. */
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { MethodInput, MethodName, MethodOutput } from '../../src-shared/contract';
import { isApiCallError } from './api/client';
import { useApiMutation } from './api/hooks';
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

/**
 * A form's mutation: clears the previous error on submit, puts field errors
 * on their fields and keeps the form-level message for an alert.
 */
export function useFormMutation<M extends MethodName>(
  method: M,
  form: FieldErrorTarget,
  onSuccess: (value: MethodOutput<M>) => void,
  mapPath?: (path: string) => string | null,
) {
  const { t } = useTranslation();
  const [formError, setFormError] = useState<string | null>(null);
  const mutation = useApiMutation(method, {
    onSuccess: (value) => onSuccess(value),
    onError: (error) => setFormError(applyApiError(form, error, t, mapPath)),
  });
  return {
    formError,
    setFormError,
    pending: mutation.isPending,
    mutation,
    submit(input: MethodInput<M>) {
      setFormError(null);
      mutation.mutate(input);
    },
  };
}
