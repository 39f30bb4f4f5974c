/** A screen that fails to render shows a calm message and a way back, never a stack trace. */
import { Alert, Button, Stack } from '@mantine/core';
import { Component, type ReactNode } from 'react';
import { Translation } from 'react-i18next';

interface State {
  failed: boolean;
}

export class ErrorBoundary extends Component<{ children: ReactNode; resetKey?: string }, State> {
  override state: State = { failed: false };

  static getDerivedStateFromError(): State {
    return { failed: true };
  }

  override componentDidUpdate(previous: { resetKey?: string }): void {
    // Navigating elsewhere gives the next screen a fresh start.
    if (this.state.failed && previous.resetKey !== this.props.resetKey) this.setState({ failed: false });
  }

  override render(): ReactNode {
    if (!this.state.failed) return this.props.children;
    return (
      <Translation>
        {(t) => (
          <Stack maw={520} p="md">
            <Alert color="red" role="alert">
              {t('errors.INTERNAL')}
            </Alert>
            <Button variant="default" onClick={() => this.setState({ failed: false })}>
              {t('ui.common.retry')}
            </Button>
          </Stack>
        )}
      </Translation>
    );
  }
}
