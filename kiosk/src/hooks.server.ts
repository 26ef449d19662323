import type { Handle } from '@sveltejs/kit';
import { paraglideMiddleware } from '$lib/paraglide/server';
import { getTextDirection } from '$lib/paraglide/runtime';

/** The regular and bold fonts of a language's own script (woff2: what every browser Guichet supports takes). */
function pageFonts(locale: string): RegExp {
  return locale === 'ar'
    ? /noto-sans-arabic-arabic-(400|700)-normal\.[\w-]+\.woff2$/
    : /atkinson-hyperlegible-next-latin-(400|700)-normal\.[\w-]+\.woff2$/;
}

/** Renders each page in the visitor's language with the matching `<html lang dir>`. */
export const handle: Handle = ({ event, resolve }) =>
  paraglideMiddleware(event.request, ({ request, locale }) => {
    event.request = request;
    return resolve(event, {
      transformPageChunk: ({ html }) =>
        html.replace('%paraglide.lang%', locale).replace('%paraglide.dir%', getTextDirection(locale)),
      // The page's own fonts are asked for with the page, not once its styles are read: text drawn
      // first in a fallback font, then again in the right one, moved everything under it.
      preload: ({ type, path }) => type !== 'font' || pageFonts(locale).test(path)
    });
  });
