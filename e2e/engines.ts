/**
 * Two more accessibility engines besides axe's WCAG rules (fixtures.ts): HTML_CodeSniffer with
 * its WCAG2AA standard, and axe's experimental rules. Each engine reads the page its own way, so
 * together they catch what one alone lets through (a name that does not contain the visible
 * label, a bold paragraph used as a heading, a duplicate id…).
 *
 * Both return findings as short lines (engine, rule, element, message) so a failing test names
 * exactly what to fix and where.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';

const require = createRequire(import.meta.url);
// The built file carries every standard, so it never fetches anything from the page.
const codeSnifferSource = fs.readFileSync(require.resolve('html_codesniffer/build/HTMLCS.js'), 'utf8');

/** HTML_CodeSniffer's WCAG2AA errors on the page as it is now (warnings and notices left out). */
export async function codeSnifferErrors(page: Page): Promise<string[]> {
  // Evaluated through the browser's debugging protocol, so the page's content security policy,
  // which rightly forbids inline scripts, does not apply to the engine.
  await page.evaluate(`${codeSnifferSource}\n;undefined`);
  return page.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        type Message = { type: number; code: string; msg: string; element: Element | Document };
        const htmlcs = (window as unknown as { HTMLCS?: Record<string, unknown> }).HTMLCS as
          | {
              ERROR: number;
              process: (standard: string, content: Document, done: () => void, failed: () => void, lang: string) => void;
              getMessages: () => Message[];
            }
          | undefined;
        if (!htmlcs) return reject(new Error('HTML_CodeSniffer did not load'));
        const describe = (el: Element | Document): string => {
          if (!(el instanceof Element)) return 'document';
          const id = el.id ? `#${el.id}` : '';
          const classes = Array.from(el.classList)
            .filter((c) => !c.startsWith('svelte-'))
            .map((c) => `.${c}`)
            .join('');
          const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 40);
          return `${el.tagName.toLowerCase()}${id}${classes}${text ? ` "${text}"` : ''}`;
        };
        htmlcs.process(
          'WCAG2AA',
          document,
          () =>
            resolve(
              htmlcs
                .getMessages()
                .filter((m) => m.type === htmlcs.ERROR)
                .map((m) => `htmlcs ${m.code}: ${describe(m.element)} — ${m.msg}`)
            ),
          () => reject(new Error('HTML_CodeSniffer failed')),
          'en'
        );
      })
  );
}

/** Violations of axe's rules, experimental ones included, at the project's WCAG 2.2 AA tags. */
export async function axeExperimentalViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'experimental'])
    .analyze();
  return results.violations.flatMap((v) => v.nodes.map((n) => `axe ${v.id}: ${n.target.join(' ')} — ${v.help}`));
}

/** Everything both engines find on the page as it is now. */
export async function engineFindings(page: Page): Promise<string[]> {
  return [...(await codeSnifferErrors(page)), ...(await axeExperimentalViolations(page))];
}
