import type { Role } from '../../../src-shared/permissions';
import { users } from '../db/schema';
import { UNUSABLE_HASH } from '../auth/passwords';
import type { CallContext } from '../rpc/context';

/** Demo colleagues, one per built-in role. They cannot sign in until an administrator sets a password. */
export const SAMPLE_STAFF: { username: string; displayName: string; role: Role; language: 'zh-CN' | 'en' }[] = [
  { username: 'wang.fang', displayName: '王芳', role: 'sales_manager', language: 'zh-CN' },
  { username: 'li.wei', displayName: '李伟', role: 'sales_rep', language: 'zh-CN' },
  { username: 'emily.chen', displayName: 'Emily Chen', role: 'sales_rep', language: 'en' },
  { username: 'zhang.min', displayName: '张敏', role: 'service_agent', language: 'zh-CN' },
  { username: 'david.liu', displayName: 'David Liu', role: 'marketing', language: 'en' },
  { username: 'zhao.lei', displayName: '赵磊', role: 'read_only', language: 'zh-CN' },
];

export function loadSampleStaff(ctx: CallContext): number {
  let created = 0;
  for (const person of SAMPLE_STAFF) {
    if (ctx.db.prepare('SELECT 1 FROM users WHERE username = ?').get(person.username)) continue;
    ctx.write.insertRaw(users, { ...person, passwordHash: UNUSABLE_HASH, theme: 'auto', active: true });
    created += 1;
  }
  return created;
}
