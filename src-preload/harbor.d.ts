import type { HarborBridge, UpgradeBridge } from '../src-shared/contract';

declare global {
  interface Window {
    /** Present in the desktop app; absent in browser mode (the renderer then talks HTTP). */
    harbor?: HarborBridge;
    /** Present only in the desktop app's upgrade window (upgrade.html). */
    harborUpgrade?: UpgradeBridge;
  }
}
export {};
