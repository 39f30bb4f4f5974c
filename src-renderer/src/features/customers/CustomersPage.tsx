/** Customers: contacts, companies, needs attention, recycle bin, tags & categories, and each record's page. */
import { Stack, Tabs, Title } from '@mantine/core';
import { IconAddressBook, IconBuilding, IconClockExclamation, IconTags, IconTrash, type Icon } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, Route, Routes, useNavigate, useParams } from 'react-router';
import { DetailPage } from './DetailPage';
import { NeedsAttention } from './NeedsAttention';
import { RecordList } from './RecordList';
import { RecycleBin } from './RecycleBin';
import { TagsAdmin } from './TagsAdmin';

interface Section {
  id: string;
  icon: Icon;
  element: ReactNode;
}

const SECTIONS: Section[] = [
  { id: 'contacts', icon: IconAddressBook, element: <RecordList key="contact" kind="contact" /> },
  { id: 'companies', icon: IconBuilding, element: <RecordList key="company" kind="company" /> },
  { id: 'attention', icon: IconClockExclamation, element: <NeedsAttention limit={200} /> },
  { id: 'recycle-bin', icon: IconTrash, element: <RecycleBin /> },
  { id: 'tags', icon: IconTags, element: <TagsAdmin /> },
];

function SectionTabs() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const current = useParams().section ?? 'contacts';
  const section = SECTIONS.find((s) => s.id === current);
  if (!section) return <Navigate to="/customers/contacts" replace />;
  return (
    <Stack gap="md">
      <Title order={2}>{t('customers.title')}</Title>
      <Tabs value={section.id} onChange={(value) => value && navigate(`/customers/${value}`)} keepMounted={false}>
        <Tabs.List style={{ flexWrap: 'nowrap', overflowX: 'auto', overflowY: 'hidden' }}>
          {SECTIONS.map((s) => {
            const SectionIcon = s.icon;
            return (
              <Tabs.Tab key={s.id} value={s.id} leftSection={<SectionIcon size={16} />} style={{ flexShrink: 0 }}>
                {t(`customers.nav.${s.id === 'recycle-bin' ? 'recycleBin' : s.id}`)}
              </Tabs.Tab>
            );
          })}
        </Tabs.List>
        <Tabs.Panel value={section.id} pt="md">
          {section.element}
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

export function CustomersPage() {
  return (
    <Routes>
      <Route index element={<Navigate to="contacts" replace />} />
      <Route path="contacts/:id" element={<DetailPage key="contact" kind="contact" />} />
      <Route path="companies/:id" element={<DetailPage key="company" kind="company" />} />
      <Route path=":section" element={<SectionTabs />} />
    </Routes>
  );
}
