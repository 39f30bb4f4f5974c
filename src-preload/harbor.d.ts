import type { HarborBridge } from '../src-shared/contract';

declare global {
  interface Window {
    /** Present in the desktop app; absent in browser mode (the renderer then talks HTTP). */
    harbor?: HarborBridge;
  }
}
export {};
