/** Strings the main process shows itself (dialogs before any window exists). */
import type { Language } from '../../src-shared/contract';
import { resources } from '../../src-shared/i18n';

/** The app's language for an OS locale such as `zh-CN`, `zh-Hans-CN`, `en-US`. */
export function languageForLocale(locale: string): Language {
  return locale.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

/** Looks up a dotted key (`shell.startup_failed_title`) and fills `{{params}}`; unknown keys fall back to English, then the key. */
export function translate(language: Language, key: string, params: Record<string, unknown> = {}): string {
  const template = lookup(resources[language].translation, key) ?? lookup(resources.en.translation, key) ?? key;
  return template.replace(/\{\{(\w+)\}\}/g, (_match, name: string) => String(params[name] ?? ''));
}

function lookup(tree: unknown, key: string): string | null {
  let node: unknown = tree;
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || node === null || !Object.prototype.hasOwnProperty.call(node, part)) return null;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === 'string' ? node : null;
}
