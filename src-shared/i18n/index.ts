import { en } from './en';
import { zhCN } from './zh-CN';
import type { Language } from '../contract/common';
import type { Resources } from './en';

export type { Resources } from './en';
export { en, zhCN };

export const resources: Record<Language, { translation: Resources }> = {
  en: { translation: en },
  'zh-CN': { translation: zhCN },
};
