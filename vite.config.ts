import { paraglideVitePlugin } from '@inlang/paraglide-js';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [
    paraglideVitePlugin({
      project: './kiosk/project.inlang',
      outdir: './kiosk/src/lib/paraglide',
      // The kiosk switches language in place (no URL change); the cookie lets the server render
      // the next page in the same language; French otherwise.
      strategy: ['cookie', 'baseLocale']
    }),
    sveltekit()
  ],
  build: { chunkSizeWarningLimit: 300 }
});
