/** Demo companies and contacts for the sample office: Chinese and English, realistic, deterministic. */
import { categories, companies, contacts, notes, tags } from '../db/schema';
import type { CallContext } from '../rpc/context';
import { nameKey } from './normalize';
import { setTags } from './write';

const COMPANIES: [string, string, string, string, string][] = [
  // name, industry, province, city, phone
  ['海港贸易有限公司', '批发零售', '广东省', '深圳市', '+867558765432'],
  ['华东精密机械厂', '制造业', '江苏省', '苏州市', '+8651265432100'],
  ['云杉软件科技', '信息技术', '浙江省', '杭州市', '+8657188886666'],
  ['北辰物流集团', '物流运输', '北京市', '北京市', '+861065001234'],
  ['蓝湾餐饮管理', '餐饮', '上海市', '上海市', '+862154321098'],
  ['锦程教育咨询', '教育', '四川省', '成都市', '+862887654321'],
  ['宏达建材', '建筑', '湖北省', '武汉市', '+862787651234'],
  ['青禾农业发展', '农业', '山东省', '青岛市', '+8653280901234'],
  ['Northwind Traders', 'Wholesale', 'Washington', 'Seattle', '+12065550100'],
  ['Contoso Pharmaceuticals', 'Healthcare', 'New Jersey', 'Newark', '+19735550142'],
  ['Fabrikam Design', 'Design', 'California', 'San Francisco', '+14155550177'],
  ['Tailspin Outdoor', 'Retail', 'Colorado', 'Denver', '+13035550123'],
];

const CN_FAMILY = ['张', '王', '李', '赵', '刘', '陈', '杨', '黄', '周', '吴', '徐', '孙'];
const CN_GIVEN = ['三', '伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '洋', '艳', '勇', '军', '杰', '娟', '涛', '明', '超', '秀英', '建华'];
const EN = [
  ['Smith', 'Olivia'],
  ['Johnson', 'Liam'],
  ['Brown', 'Emma'],
  ['Garcia', 'Noah'],
  ['Miller', 'Ava'],
  ['Davis', 'Lucas'],
  ['Wilson', 'Mia'],
  ['Taylor', 'Ethan'],
];
const TITLES_CN = ['总经理', '采购经理', '销售总监', '财务主管', '技术负责人', '行政助理'];
const TITLES_EN = ['CEO', 'Purchasing Manager', 'Head of Sales', 'CFO', 'CTO', 'Office Manager'];
const TAGS: [string, string][] = [
  ['VIP', 'red'],
  ['重点客户', 'orange'],
  ['潜在客户', 'blue'],
  ['Partner', 'teal'],
  ['展会线索', 'grape'],
];

export function loadSampleCustomers(ctx: CallContext): Record<string, number> {
  const w = ctx.write;
  const staff = (ctx.db.prepare("SELECT id FROM users WHERE role IN ('sales_rep', 'sales_manager', 'administrator') ORDER BY username").all() as { id: string }[]).map(
    (u) => u.id,
  );
  const tagIds = TAGS.map(([name, color]) => w.insert(tags, { name, color }).id);
  const levelA = w.insert(categories, { kind: 'company', name: '战略客户 Key account', color: 'red', sort: 0 }).id;
  w.insert(categories, { kind: 'company', name: '普通客户 Standard', color: 'gray', sort: 1 });
  const now = ctx.services.now();
  let contactCount = 0;
  let noteCount = 0;
  const DAY = 86_400_000;
  COMPANIES.forEach(([name, industry, province, city, phone], i) => {
    const chinese = /[\u4e00-\u9fff]/.test(name);
    const companyId = w.insertRaw(companies, {
      name,
      nameKey: nameKey(name),
      industry,
      province,
      city,
      phone,
      level: (['A', 'B', 'C'] as const)[i % 3],
      size: (['10-49', '50-199', '200-999', '1-9'] as const)[i % 4],
      source: (['referral', 'exhibition', 'website', 'partner'] as const)[i % 4],
      categoryId: i % 3 === 0 ? levelA : null,
      ownerId: staff[i % staff.length] ?? null,
      website: chinese ? null : `https://www.${name.split(' ')[0]!.toLowerCase()}.example`,
      createdAt: now - (200 - i * 7) * DAY,
      updatedAt: now - (30 + i) * DAY,
    });
    setTags(w, ctx.db, companyId, [tagIds[i % tagIds.length]!]);
    const people = 3 + (i % 4);
    for (let j = 0; j < people; j++) {
      const k = i * 7 + j;
      const [familyName, givenName] = chinese
        ? [CN_FAMILY[k % CN_FAMILY.length]!, CN_GIVEN[(k * 3) % CN_GIVEN.length]!]
        : (EN[k % EN.length] as [string, string]);
      const local = chinese ? `user${k}` : `${givenName.toLowerCase()}.${familyName.toLowerCase()}`;
      const domain = chinese ? `${['haigang', 'huadong', 'yunshan', 'beichen', 'lanwan', 'jincheng', 'hongda', 'qinghe'][i]}.example.cn` : `${name.split(' ')[0]!.toLowerCase()}.example`;
      const mobile = chinese ? `+86138${String(10_000_000 + k * 7919).slice(-8)}` : `+1${phone.slice(2, 5)}555${String(1000 + k).slice(-4)}`;
      const stale = j === 0 && i % 2 === 0;
      const contactId = w.insertRaw(contacts, {
        familyName,
        givenName,
        nameKey: nameKey(familyName, givenName),
        givenKey: nameKey(givenName),
        title: (chinese ? TITLES_CN : TITLES_EN)[j % 6],
        companyId,
        phones: JSON.stringify([{ label: chinese ? '手机' : 'Mobile', number: mobile }]),
        phoneKey: mobile.replace(/\D/g, ''),
        emails: JSON.stringify([{ label: chinese ? '工作' : 'Work', address: `${local}@${domain}` }]),
        emailKey: `${local}@${domain}`,
        ims: chinese ? JSON.stringify([{ kind: 'wechat', handle: `wx_${local}` }]) : '[]',
        province,
        city,
        source: (['referral', 'website', 'exhibition'] as const)[k % 3],
        ownerId: staff[k % staff.length] ?? null,
        preferredChannel: chinese ? 'wechat' : 'email',
        preferredLanguage: chinese ? 'zh-CN' : 'en',
        createdAt: now - (180 - k) * DAY,
        updatedAt: stale ? now - 120 * DAY : now - (k % 20) * DAY,
      });
      contactCount += 1;
      if (j === 0) {
        w.insertRaw(notes, {
          recordId: contactId,
          body: chinese ? '上周电话沟通,对新报价感兴趣,下月再跟进。' : 'Called last week; interested in the new price list. Follow up next month.',
          createdAt: now - 7 * DAY,
          updatedAt: now - 7 * DAY,
        });
        noteCount += 1;
      }
    }
  });
  return { companies: COMPANIES.length, contacts: contactCount, tags: TAGS.length, notes: noteCount };
}
