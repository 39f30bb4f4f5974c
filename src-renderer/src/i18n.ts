/**
 * i18next with the shared zh-CN / en resources. The language can change at
 * any time: before sign-in it follows the office default (or this device's
 * last choice), after sign-in the user's saved preference.
 */
import i18n, { type TFunction } from 'i18next';
import { initReactI18next } from 'react-i18next';
import { LANGUAGES, type Language } from '../../src-shared/contract';
import type { ApiError, FieldError } from '../../src-shared/errors';
import { resources } from '../../src-shared/i18n';

const DEVICE_LANGUAGE_KEY = 'harbor.language';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** The language chosen on this device before sign-in, if any. */
export function deviceLanguage(): Language | null {
  try {
    const stored = localStorage.getItem(DEVICE_LANGUAGE_KEY);
    return isLanguage(stored) ? stored : null;
  } catch {
    return null;
  }
}

export function rememberDeviceLanguage(language: Language): void {
  try {
    localStorage.setItem(DEVICE_LANGUAGE_KEY, language);
  } catch {
    // Storage disabled: the choice lasts for this page only.
  }
}

export function currentLanguage(): Language {
  return isLanguage(i18n.language) ? i18n.language : 'zh-CN';
}

export function applyLanguage(language: Language): void {
  document.documentElement.lang = language;
  if (i18n.language !== language) void i18n.changeLanguage(language);
}

void i18n.use(initReactI18next).init({
  resources,
  lng: deviceLanguage() ?? 'zh-CN',
  fallbackLng: 'en',
  supportedLngs: [...LANGUAGES],
  interpolation: { escapeValue: false },
  initAsync: false,
});
document.documentElement.lang = currentLanguage();

/** The sentence for an error: its message key with params, falling back to the generic text for its code. */
export function errorMessage(t: TFunction, error: ApiError): string {
  return t(error.messageKey, { ...error.params, defaultValue: t(`errors.${error.code}`) });
}

export function fieldMessage(t: TFunction, field: FieldError): string {
  return t(field.messageKey, { ...field.params, defaultValue: t('validation.invalid') });
}

export { i18n };
