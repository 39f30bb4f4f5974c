import { useOs } from '@mantine/hooks';

/** The label of the shortcut modifier on this platform: ⌘ on Apple systems, Ctrl elsewhere. */
export function useModKey(): string {
  const os = useOs();
  return os === 'macos' || os === 'ios' ? '⌘' : 'Ctrl';
}
