import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  compilerOptions: { runes: true },
  kit: {
    // The app lives in kiosk/; the Guichet server imports kiosk/build/handler.js and serves it.
    adapter: adapter({ out: 'kiosk/build', precompress: true }),
    outDir: 'kiosk/.svelte-kit',
    files: {
      assets: 'kiosk/static',
      hooks: { client: 'kiosk/src/hooks.client', server: 'kiosk/src/hooks.server', universal: 'kiosk/src/hooks' },
      lib: 'kiosk/src/lib',
      params: 'kiosk/src/params',
      routes: 'kiosk/src/routes',
      serviceWorker: 'kiosk/src/service-worker',
      appTemplate: 'kiosk/src/app.html',
      errorTemplate: 'kiosk/src/error.html'
    },
    alias: { $shared: 'shared' },
    csp: {
      // Everything comes from this origin: no external font, script or analytics (principle 8).
      directives: {
        'default-src': ['self'],
        'script-src': ['self'],
        'style-src': ['self', 'unsafe-inline'],
        'img-src': ['self', 'data:'],
        'font-src': ['self'],
        'connect-src': ['self'],
        'media-src': ['self', 'blob:'],
        'object-src': ['none'],
        'base-uri': ['self'],
        'form-action': ['self'],
        // Only Guichet's own pages may frame a page: the console's kiosk preview (procedures).
        'frame-ancestors': ['self']
      }
    }
  }
};

export default config;
