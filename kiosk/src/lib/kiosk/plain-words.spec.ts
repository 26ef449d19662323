/**
 * What the kiosk says to a citizen is in plain words (FALC, shared/product/ACCESSIBILITY.md):
 * no technical word (« serveur », « partage »), no administrative turn (« Sans action »), and
 * what the citizen does said from the citizen's side.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const locales = ['fr', 'en', 'ar'] as const;
const messages = Object.fromEntries(
  locales.map((l) => [
    l,
    JSON.parse(fs.readFileSync(path.join(import.meta.dirname, `../../../messages/${l}.json`), 'utf8')) as Record<string, unknown>
  ])
) as Record<(typeof locales)[number], Record<string, unknown>>;

/** The messages shown to a citizen on the kiosk (not the agent's, manager's or installer's). */
const citizenKey = /^(kiosk|catalog|step|nav|end|question|review|idle|tool|call|sharing|hours|agent_first)_/;
const citizenTexts = (locale: (typeof locales)[number]) =>
  Object.entries(messages[locale])
    .filter(([key]) => citizenKey.test(key))
    .map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)] as const);

describe('the kiosk speaks to a citizen in plain words', () => {
  it('uses no technical or administrative word in French', () => {
    const found = citizenTexts('fr')
      .filter(([, text]) => /serveur|partage|sans action|joint pas/i.test(text))
      .map(([key, text]) => `${key}: ${text}`);
    expect(found).toEqual([]);
  });

  it('nor in English', () => {
    const found = citizenTexts('en')
      .filter(([, text]) => /server|sharing|without a touch/i.test(text))
      .map(([key, text]) => `${key}: ${text}`);
    expect(found).toEqual([]);
  });

  it('names the button that ends the agent’s view for what it does to the citizen’s screen', () => {
    expect(messages.fr.sharing_stop).toBe('Ne plus montrer mon écran');
    expect(messages.en.sharing_stop).toBe('Stop showing my screen');
    expect(messages.ar.sharing_stop).toBe('أوقف عرض شاشتي');
  });
});
