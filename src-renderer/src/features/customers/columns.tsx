/** The columns of the contact and company lists: label, width, sort key and cell. */
import { Anchor, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import type { Company, Contact } from '../../../../src-shared/contract/customers';
import type { COMPANY_SORTS, CONTACT_SORTS } from '../../../../src-shared/contract/customers';
import { formatDate, formatNumber } from '../../format';
import { TagBadges } from './lookups';
import { personName, recordPath } from './model';

export type ContactSort = (typeof CONTACT_SORTS)[number];
export type CompanySort = (typeof COMPANY_SORTS)[number];

export interface Column<Row, Sort extends string> {
  id: string;
  /** i18n key of the header. */
  labelKey: string;
  width: number;
  sort?: Sort;
  /** Always shown, first. */
  fixed?: boolean;
  render(row: Row): ReactNode;
}

const text = (value: string | null | undefined) => (
  <Text size="sm" truncate>
    {value ?? ''}
  </Text>
);

export const contactName = (c: Pick<Contact, 'familyName' | 'givenName'>) => personName(c.familyName, c.givenName);

export const contactColumns: Column<Contact, ContactSort>[] = [
  {
    id: 'name',
    labelKey: 'customers.fields.name',
    width: 160,
    sort: 'name',
    fixed: true,
    render: (c) => (
      <Anchor component={Link} to={recordPath('contact', c.id)} size="sm" fw={500} truncate>
        {contactName(c)}
      </Anchor>
    ),
  },
  {
    id: 'company',
    labelKey: 'customers.fields.companyId',
    width: 180,
    sort: 'company',
    render: (c) =>
      c.companyId ? (
        <Anchor component={Link} to={recordPath('company', c.companyId)} size="sm" truncate>
          {c.companyName}
        </Anchor>
      ) : null,
  },
  { id: 'title', labelKey: 'customers.fields.title', width: 120, sort: 'title', render: (c) => text(c.title) },
  { id: 'phone', labelKey: 'customers.fields.phone', width: 150, sort: 'phone', render: (c) => text(c.phones[0]?.number) },
  { id: 'email', labelKey: 'customers.fields.email', width: 200, sort: 'email', render: (c) => text(c.emails[0]?.address) },
  { id: 'city', labelKey: 'customers.fields.city', width: 110, sort: 'city', render: (c) => text([c.province, c.city].filter(Boolean).join(' ')) },
  { id: 'owner', labelKey: 'customers.fields.ownerId', width: 110, render: (c) => text(c.owner?.displayName) },
  { id: 'tags', labelKey: 'customers.fields.tags', width: 180, render: (c) => <TagBadges tags={c.tags} /> },
  { id: 'createdAt', labelKey: 'customers.fields.createdAt', width: 120, sort: 'createdAt', render: (c) => text(formatDate(c.createdAt)) },
  { id: 'updatedAt', labelKey: 'customers.fields.updatedAt', width: 120, sort: 'updatedAt', render: (c) => text(formatDate(c.updatedAt)) },
];

export const companyColumns: Column<Company, CompanySort>[] = [
  {
    id: 'name',
    labelKey: 'customers.fields.name',
    width: 220,
    sort: 'name',
    fixed: true,
    render: (c) => (
      <Anchor component={Link} to={recordPath('company', c.id)} size="sm" fw={500} truncate>
        {c.name}
      </Anchor>
    ),
  },
  { id: 'industry', labelKey: 'customers.fields.industry', width: 130, sort: 'industry', render: (c) => text(c.industry) },
  { id: 'city', labelKey: 'customers.fields.city', width: 120, sort: 'city', render: (c) => text([c.province, c.city].filter(Boolean).join(' ')) },
  { id: 'level', labelKey: 'customers.fields.level', width: 70, sort: 'level', render: (c) => text(c.level) },
  { id: 'phone', labelKey: 'customers.fields.phone', width: 140, render: (c) => text(c.phone) },
  { id: 'contactCount', labelKey: 'customers.fields.contactCount', width: 90, render: (c) => text(formatNumber(c.contactCount)) },
  { id: 'owner', labelKey: 'customers.fields.ownerId', width: 110, render: (c) => text(c.owner?.displayName) },
  { id: 'tags', labelKey: 'customers.fields.tags', width: 180, render: (c) => <TagBadges tags={c.tags} /> },
  { id: 'createdAt', labelKey: 'customers.fields.createdAt', width: 120, sort: 'createdAt', render: (c) => text(formatDate(c.createdAt)) },
  { id: 'updatedAt', labelKey: 'customers.fields.updatedAt', width: 120, sort: 'updatedAt', render: (c) => text(formatDate(c.updatedAt)) },
];

/** One line under the name on narrow screens. */
export const contactSubtitle = (c: Contact) => [c.companyName, c.phones[0]?.number, c.emails[0]?.address].filter(Boolean).join(' · ');
export const companySubtitle = (c: Company) => [c.industry, [c.province, c.city].filter(Boolean).join(' '), c.phone].filter(Boolean).join(' · ');
