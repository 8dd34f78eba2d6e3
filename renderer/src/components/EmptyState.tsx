// What an empty screen says: what would be here and the one step that puts it there.
import { Button, Paper, Stack, Text, Title } from '@mantine/core';

export interface EmptyStateProps {
  readonly title: string;
  readonly text: string;
  readonly actionLabel?: string;
  readonly onAction?: () => void;
}

export function EmptyState({ title, text, actionLabel, onAction }: EmptyStateProps) {
  return (
    <Paper withBorder p="xl" radius="md">
      <Stack align="center" gap="sm" ta="center">
        <Title order={3}>{title}</Title>
        <Text c="dimmed" maw={520}>
          {text}
        </Text>
        {actionLabel !== undefined && onAction !== undefined && (
          <Button onClick={onAction} mt="sm">
            {actionLabel}
          </Button>
        )}
      </Stack>
    </Paper>
  );
}
