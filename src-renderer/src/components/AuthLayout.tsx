/** The frame of screens shown before sign-in: brand, language switch, a centred card. */
import { Box, Center, Group, Paper, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

export function AuthLayout({
  children,
  corner,
  width = 420,
  below,
}: {
  children: ReactNode;
  corner?: ReactNode;
  width?: number;
  below?: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Box className="harbor-auth-bg">
      <Group justify="flex-end" p="md" mih={68}>
        {corner}
      </Group>
      <Center px="sm" pb="xl">
        <Stack w="100%" maw={width} gap="md">
          <Stack gap={2} align="center">
            <Title order={2} ta="center" c="blue.7">
              {t('app.name')}
            </Title>
            <Text c="dimmed" size="sm" ta="center">
              {t('app.tagline')}
            </Text>
          </Stack>
          <Paper withBorder shadow="sm" radius="md" p={{ base: 'md', xs: 'xl' }}>
            {children}
          </Paper>
          {below}
        </Stack>
      </Center>
    </Box>
  );
}
