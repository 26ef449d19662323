/**
 * The kiosk's text size (« A+ ») and what it must keep true: at its largest every text is at least
 * twice its default size (WCAG 1.4.4: header, bar, dialogs and keypads too), nothing scrolls
 * sideways or cuts a word in French or Arabic, the review's actions stay reachable and are never
 * under the bar when focused (2.4.11), the button's name holds what it shows (2.5.3) and says the
 * size in use; each screen has its own title; primary targets are 72 px; colours reach 7:1.
 */
import AxeBuilder from '@axe-core/playwright';
import {
  answerIdCardUpToChecklist,
  eraseAll,
  expect,
  expectNoAxeViolations,
  expectNoHorizontalScroll,
  openKiosk,
  test
} from './fixtures';
import type { Locator, Page } from '@playwright/test';

const portrait = { width: 1080, height: 1920 };

/**
 * The font size of every visible element that holds text of its own, keyed by its tags from the
 * body down and its text (a hint that appears at large sizes must not shift the keys).
 */
function fontSizes(page: Page): Promise<Record<string, { px: number; text: string }>> {
  return page.evaluate(() => {
    const out: Record<string, { px: number; text: string }> = {};
    for (const el of document.body.querySelectorAll('*')) {
      const own = Array.from(el.childNodes)
        .filter((n) => n.nodeType === Node.TEXT_NODE)
        .map((n) => n.textContent ?? '')
        .join('')
        .trim();
      if (!own || el.getClientRects().length === 0 || ['SCRIPT', 'STYLE'].includes(el.tagName)) continue;
      const tags: string[] = [];
      for (let e: Element | null = el; e && e !== document.body; e = e.parentElement) tags.unshift(e.tagName.toLowerCase());
      let key = `${tags.join('>')}|${own}`;
      for (let n = 2; key in out; n++) key = `${tags.join('>')}|${own}|${n}`;
      out[key] = { px: parseFloat(getComputedStyle(el).fontSize), text: own.slice(0, 40) };
    }
    return out;
  });
}

/** Every text present in both measures grew at least `ratio` times; there are texts to compare. */
function expectGrown(small: Awaited<ReturnType<typeof fontSizes>>, big: Awaited<ReturnType<typeof fontSizes>>, ratio: number) {
  const keys = Object.keys(small).filter((k) => k in big);
  expect(keys.length, 'texts measured at both sizes').toBeGreaterThan(3);
  const short = keys
    .map((k) => ({ before: small[k]!, after: big[k]! }))
    .filter(({ before, after }) => after.px < before.px * ratio - 0.01)
    .map(({ before, after }) => `« ${before.text} » ${before.px}px → ${after.px}px`);
  expect(short, `texts under ${ratio}× at the largest size`).toEqual([]);
}

const sizeButton = (page: Page) => page.getByTestId('text-size');

async function setSize(page: Page, size: 0 | 1 | 2) {
  while (Number(await sizeButton(page).getAttribute('data-size')) !== size) await sizeButton(page).tap();
  await expect(page.locator('.kiosk')).toHaveClass(new RegExp(`\\bsize-${size}\\b`));
}

/** Measures the screen as it is at the normal size, then at the largest, and compares. */
async function expectScreenDoubles(page: Page) {
  await setSize(page, 0);
  const small = await fontSizes(page);
  await setSize(page, 2);
  const big = await fontSizes(page);
  expectGrown(small, big, 2);
}

/** No button's label is wider than the button, and no word of it is broken across two lines. */
async function expectWholeLabels(page: Page) {
  const cut = await page.evaluate(() => {
    const bad: string[] = [];
    for (const button of document.querySelectorAll<HTMLElement>(
      '.kiosk button, [role="dialog"] button, [role="alertdialog"] button'
    )) {
      if (button.getClientRects().length === 0) continue;
      if (button.scrollWidth > button.clientWidth + 1) bad.push(`${button.textContent?.trim()}: wider than its button`);
      const walker = document.createTreeWalker(button, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent ?? '';
        for (const match of text.matchAll(/\S+/g)) {
          const range = document.createRange();
          range.setStart(node, match.index);
          range.setEnd(node, match.index + match[0].length);
          const lines = new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top)));
          if (lines.size > 1) bad.push(`${button.textContent?.trim()}: « ${match[0]} » broken`);
        }
      }
    }
    return bad;
  });
  expect(cut, 'button labels cut').toEqual([]);
}

/** The element is inside the visible screen area, and a touch at its centre reaches it (nothing over it). */
async function expectInViewAndUncovered(page: Page, target: Locator) {
  const covered = await target.evaluate((el) => {
    const box = el.getBoundingClientRect();
    const area = el.closest('main')!.getBoundingClientRect();
    if (box.top < area.top - 1 || box.bottom > area.bottom + 1)
      return `outside the screen area (${box.top}–${box.bottom} in ${area.top}–${area.bottom})`;
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    return hit && el.contains(hit) ? null : `covered by ${hit?.outerHTML.slice(0, 80)}`;
  });
  expect(covered, await target.innerText()).toBeNull();
}

test('at the largest size every text on every kiosk screen is twice its default', async ({ page }) => {
  await page.clock.install();
  await page.setViewportSize(portrait);
  await openKiosk(page);
  await expectScreenDoubles(page);

  // The inactivity dialog (outside the kiosk's frame), at the normal size then at the largest.
  await setSize(page, 0);
  await page.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await expectScreenDoubles(page);
  await setSize(page, 0);
  const warning = page.getByRole('alertdialog', { name: 'Êtes-vous encore là ?' });
  await page.clock.fastForward(91_000);
  await expect(warning).toBeVisible();
  const dialogSmall = await fontSizes(page);
  await page.getByRole('button', { name: 'Je suis encore là' }).tap();
  await setSize(page, 2);
  await page.clock.fastForward(91_000);
  await expect(warning).toBeVisible();
  expectGrown(dialogSmall, await fontSizes(page), 2);
  await page.getByRole('button', { name: 'Je suis encore là' }).tap();

  // A step with the on-screen keyboard, then one with the number pad.
  await page.locator('[data-procedure="essai-saisies"]').tap();
  await expect(page.getByRole('group', { name: 'Clavier' })).toBeVisible();
  await expectScreenDoubles(page);
  await expectWholeLabels(page);
  await expectNoHorizontalScroll(page);
  for (const key of ['d', 'u', 'p'])
    await page.getByRole('group', { name: 'Clavier' }).getByRole('button', { name: key, exact: true }).tap();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  for (const key of ['x', 'q'])
    await page.getByRole('group', { name: 'Clavier' }).getByRole('button', { name: key, exact: true }).tap();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await expect(page.getByRole('group', { name: 'Chiffres' })).toBeVisible();
  await expectScreenDoubles(page);
  await expectWholeLabels(page);
  await expectNoHorizontalScroll(page);
  await setSize(page, 0);
  await eraseAll(page);

  // A checklist step and the review.
  await answerIdCardUpToChecklist(page);
  await expectScreenDoubles(page);
  await setSize(page, 0);
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await expect(page.getByRole('heading', { name: 'Vérifiez vos réponses' })).toBeVisible();
  await expectScreenDoubles(page);
});

for (const language of [
  { button: 'Français', start: "Touchez l'écran pour commencer", next: 'Suivant' },
  { button: 'العربية', start: 'المس الشاشة للبدء', next: 'التالي' }
]) {
  test(`at the largest size, portrait, ${language.button}: no sideways scroll and no word cut on any screen`, async ({
    page
  }) => {
    await page.setViewportSize(portrait);
    await openKiosk(page);
    await page.getByRole('button', { name: language.button }).first().tap();
    await setSize(page, 2);
    const check = async () => {
      await expectNoHorizontalScroll(page);
      await expectWholeLabels(page);
    };
    await check();
    await page.getByRole('button', { name: language.start }).tap();
    await check();
    await page.locator('[data-procedure="carte-identite-passeport"]').tap();
    for (let i = 0; i < 10; i++) {
      await check();
      const section = page.locator('section[data-step]');
      if ((await page.locator('.review').count()) > 0) break;
      const radios = section.getByRole('radio');
      if ((await radios.count()) > 0) await radios.first().tap();
      await page.getByRole('button', { name: language.next }).tap();
    }
    await expect(page.locator('.review')).toBeVisible();
    await check();
    await expectNoAxeViolations(page);
  });
}

test('at the largest size the review shows there is more below, and its actions are reachable and never under the bar', async ({
  page
}) => {
  // The hint scrolls at once, without animation, for those who ask for less motion (and here).
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.setViewportSize(portrait);
  await openKiosk(page);
  await setSize(page, 2);
  await answerIdCardUpToChecklist(page);
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await expect(page.getByRole('heading', { name: 'Vérifiez vos réponses' })).toBeVisible();
  const actions = ['Retour', 'Vérifier avec un agent', 'Imprimer et aller au guichet'].map((name) =>
    page.getByRole('navigation', { name: 'Navigation' }).getByRole('button', { name, exact: true })
  );

  // The review is longer than the screen: a hint says so, and the actions are out of view below.
  const more = page.getByTestId('scroll-more');
  await expect(more).toBeVisible();
  await expect(actions.at(-1)!).not.toBeInViewport();

  // Moving focus to each action brings it into view, clear of the bar and the hint.
  for (const action of actions) {
    await page.locator('main').evaluate((el) => el.scrollTo({ top: 0, behavior: 'instant' }));
    await action.focus();
    await expect(action).toBeFocused();
    await expectInViewAndUncovered(page, action);
  }

  // By touch: the hint, tapped until all is shown, then it goes away and every action can be touched.
  const main = page.locator('main');
  await main.evaluate((el) => el.scrollTo({ top: 0, behavior: 'instant' }));
  // Back at the top, the hint shows again (it follows the scroll a frame later).
  await expect(more).toBeVisible();
  for (let i = 0; i < 20 && (await more.isVisible()); i++) {
    const before = await main.evaluate((el) => el.scrollTop);
    await more.tap();
    // Two frames: the scroll has happened and the hint has measured what is left below.
    const settled = () =>
      main.evaluate(
        (el) => new Promise<number>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(el.scrollTop))))
      );
    await expect.poll(settled).toBeGreaterThan(before);
  }
  await expect(more).toBeHidden();
  for (const action of actions) await expectInViewAndUncovered(page, action);
  await actions.at(-1)!.tap();
  await expect(page.getByRole('heading', { name: 'Allez au guichet' })).toBeVisible();
});

test('the size button is named by what it shows, says the size in use, and announces each change', async ({ page }) => {
  await openKiosk(page);
  const button = sizeButton(page);
  const status = page.locator('footer.bar [role="status"]');
  const expectNameHoldsText = async () => {
    const shown = (await button.innerText()).replace(/\s+/g, ' ').trim();
    const name = await button.evaluate((el) => el.getAttribute('aria-label'));
    // No aria-label: the name is the visible text itself (WCAG 2.5.3).
    expect(name).toBeNull();
    await expect(button).toHaveAccessibleName(shown);
    return shown;
  };
  expect(await expectNameHoldsText()).toBe('A+ Texte normal');
  await button.tap();
  expect(await expectNameHoldsText()).toBe('A+ Texte grand');
  await expect(status).toHaveText('Texte grand');
  await button.tap();
  expect(await expectNameHoldsText()).toBe('A− Texte très grand');
  await expect(status).toHaveText('Texte très grand');
  // The third press goes back to normal, and says so.
  await button.tap();
  expect(await expectNameHoldsText()).toBe('A+ Texte normal');
  await expect(status).toHaveText('Texte normal');
  await expect(page.locator('.kiosk')).toHaveClass(/\bsize-0\b/);

  // In Arabic the sign still reads « A+ », « A » on the left of « + ».
  await page.getByRole('button', { name: 'العربية' }).first().tap();
  await expect(button).toHaveAccessibleName('A+ نص عادي');
  const order = await button.locator('bdi').evaluate((el) => {
    const text = el.firstChild!;
    const at = (i: number) => {
      const range = document.createRange();
      range.setStart(text, i);
      range.setEnd(text, i + 1);
      return range.getBoundingClientRect().left;
    };
    return [el.textContent, at(0) < at(1)];
  });
  expect(order).toEqual(['A+', true]);
});

test('each kiosk screen has its own title, in the citizen’s language', async ({ page }) => {
  await openKiosk(page);
  const titles: string[] = [];
  const take = async () => titles.push(await page.title());
  await expect(page).toHaveTitle('Accueil — Borne — Mairie de Démoville');
  await take();
  await page.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await expect(page).not.toHaveTitle(titles[0]!);
  await take();
  await page.locator('[data-procedure="carte-identite-passeport"]').tap();
  await expect(page).toHaveTitle(/^Étape 1 sur \d+/);
  await take();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await expect(page).toHaveTitle(/^Étape 2 sur \d+/);
  await take();
  await eraseAll(page);
  await page.getByRole('button', { name: 'العربية' }).first().tap();
  await expect(page).toHaveTitle(/^الترحيب/);
  await take();
  expect(new Set(titles).size, titles.join(' | ')).toBe(titles.length);
});

test('primary targets: « Modifier » and the keys are 72 px, with labels at body size at least', async ({ page }) => {
  await page.setViewportSize(portrait);
  await openKiosk(page);
  await answerIdCardUpToChecklist(page);
  // Each paper of the checklist is a heading under the step's own.
  await expect(page.getByRole('heading', { level: 1 })).toHaveCount(1);
  await expect(page.locator('li[data-document="timbre-perte"]').getByRole('heading', { level: 2 })).toBeVisible();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  const edits = page.getByRole('button', { name: /^Modifier/ });
  expect(await edits.count()).toBeGreaterThan(2);
  for (const box of await Promise.all((await edits.all()).map((b) => b.boundingBox()))) {
    expect(box!.height).toBeGreaterThanOrEqual(72);
    expect(box!.width).toBeGreaterThanOrEqual(72);
  }
  await eraseAll(page);

  await page.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await page.locator('[data-procedure="essai-saisies"]').tap();
  const body = await page.locator('.kiosk').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  const expectKeys = async (group: Locator) => {
    const keys = await group.getByRole('button').all();
    expect(keys.length).toBeGreaterThan(5);
    for (const key of keys) {
      const [box, px] = await Promise.all([key.boundingBox(), key.evaluate((el) => parseFloat(getComputedStyle(el).fontSize))]);
      const label = await key.innerText();
      expect(box!.height, label).toBeGreaterThanOrEqual(72);
      expect(box!.width, label).toBeGreaterThanOrEqual(72);
      expect(px, label).toBeGreaterThanOrEqual(body);
    }
  };
  await expectKeys(page.getByRole('group', { name: 'Clavier' }));
  await expectWholeLabels(page);
  for (const key of ['d', 'u'])
    await page.getByRole('group', { name: 'Clavier' }).getByRole('button', { name: key, exact: true }).tap();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  for (const key of ['x', 'q'])
    await page.getByRole('group', { name: 'Clavier' }).getByRole('button', { name: key, exact: true }).tap();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  const pad = page.getByRole('group', { name: 'Chiffres' });
  await expectKeys(pad);
  // The pad's key clears the number only, and says so: not the bar's « Tout effacer ».
  await expect(pad.getByRole('button', { name: 'Effacer le nombre' })).toBeVisible();
  await expect(pad.getByRole('button', { name: 'Tout effacer' })).toHaveCount(0);
  await expectWholeLabels(page);
});

test('kiosk screens pass axe’s AAA rules, enhanced contrast (7:1) included', async ({ page }) => {
  const expectAaa = async () => {
    const results = await new AxeBuilder({ page }).withTags(['wcag2aaa']).analyze();
    const summary = results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect(summary, 'axe AAA violations').toEqual([]);
  };
  await openKiosk(page);
  await expect(page.getByRole('status').filter({ hasText: 'Connecté' })).toBeVisible();
  await expectAaa();
  await page.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await expect(page.locator('[data-procedure="carte-identite-passeport"]')).toBeVisible();
  await expectAaa();
  await eraseAll(page);
  await answerIdCardUpToChecklist(page);
  await expectAaa();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await expect(page.getByRole('heading', { name: 'Vérifiez vos réponses' })).toBeVisible();
  await expectAaa();
});
