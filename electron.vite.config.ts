import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          // Electron shell
          index: resolve(root, 'src-main/index.ts'),
          // Browser mode: the same core behind HTTP, for machines without Electron and for phones on the LAN
          serve: resolve(root, 'src-main/serve.ts'),
          // Backup/restore copies run in this worker thread (found beside the bundle by core/backup/run-worker.ts)
          'backup-worker': resolve(root, 'src-main/core/backup/worker.ts'),
          // Received sync batches are applied in this worker thread (found beside the bundle by core/sync/apply.ts)
          'sync-worker': resolve(root, 'src-main/core/sync/worker.ts'),
          // An older database is upgraded in this worker thread before the core opens (found beside the bundle by core/db/upgrade.ts)
          'upgrade-worker': resolve(root, 'src-main/core/db/upgrade-worker.ts'),
          // Planner statistics are computed in this worker thread (found beside the bundle by core/db/statistics.ts)
          'statistics-worker': resolve(root, 'src-main/core/db/statistics-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        // The upgrade window has a preload of its own; the two share no module, so each stays one file.
        input: { index: resolve(root, 'src-preload/index.ts'), upgrade: resolve(root, 'src-preload/upgrade.ts') },
        // A sandboxed preload must be CommonJS.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    plugins: [react()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      rollupOptions: { input: { index: resolve(root, 'src-renderer/index.html'), upgrade: resolve(root, 'src-renderer/upgrade.html') } },
      chunkSizeWarningLimit: 2000,
    },
  },
});
