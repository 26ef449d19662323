import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * French typography puts a space before « ? », « ! », « : » and « ; ». A plain space there lets
 * the sign wrap alone onto the next line at the kiosk's large text sizes: the kiosk's messages use
 * the narrow no-break space (U+202F) instead.
 */
const lib = import.meta.dirname;
const messages = JSON.parse(fs.readFileSync(path.join(lib, '../../messages/fr.json'), 'utf8')) as Record<string, string>;

/** The messages the kiosk shows: those its screens (and the few shared parts it uses) call. */
function kioskKeys(): Set<string> {
  const files = fs
    .readdirSync(path.join(lib, 'kiosk'), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(svelte|ts)$/.test(f) && !f.endsWith('.spec.ts'))
    .map((f) => path.join(lib, 'kiosk', f));
  for (const shared of ['ConnectionBadge', 'HelpDialog', 'HelpButton', 'LanguageSwitch', 'OpeningHours', 'PairingScreen']) {
    files.push(path.join(lib, 'components', `${shared}.svelte`));
  }
  files.push(path.join(lib, '../routes/borne/+page.svelte'));
  const keys = new Set<string>();
  for (const file of files) for (const [, key] of fs.readFileSync(file, 'utf8').matchAll(/\bm\.(\w+)\(/g)) keys.add(key!);
  return keys;
}

describe('French kiosk messages', () => {
  const keys = kioskKeys();

  it('are found in the kiosk’s screens', () => {
    expect(keys.size).toBeGreaterThan(50);
    for (const key of ['idle_title', 'catalog_title', 'review_next_steps', 'kiosk_title_step']) expect(keys).toContain(key);
  });

  it('keep « ? », « ! », « : » and « ; » with the word before them, by a narrow no-break space', () => {
    const loose = [...keys].filter((key) => /\S[ \u00a0][?!:;]/.test(messages[key] ?? ''));
    expect(loose).toEqual([]);
    expect(messages.idle_title).toBe('Êtes-vous encore là\u202f?');
  });
});
