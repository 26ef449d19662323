/**
 * Visits every step of every shipped procedure in every language, following each branch, and
 * checks each screen: the help button is there with its localized name, axe finds nothing, every
 * control is at least 48×48 px, and nothing scrolls sideways in portrait or landscape.
 *
 * Then every kind of kiosk screen (idle, catalog, each kind of step and question, review,
 * inactivity dialog, end, help panel) goes through two more engines: HTML_CodeSniffer (WCAG2AA)
 * and axe with its experimental rules (e2e/engines.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from '@playwright/test';
import { visibleDocuments, visibleSteps, type AnswerValue, type Answers } from '../shared/procedures/answers';
import type { Procedure, QuestionStep } from '../shared/procedures/schema';
import { loadCatalog, shippedCatalogDir } from '../server/src/procedures/catalog';
import { axeExperimentalViolations, codeSnifferErrors, engineFindings } from './engines';
import {
  demo,
  expect,
  expectNoAxeViolations,
  expectNoHorizontalScrollOnKioskScreens,
  expectTouchTargets,
  loginAs,
  test,
  openKiosk
} from './fixtures';

const { procedures } = loadCatalog(shippedCatalogDir);
const locales = ['fr', 'en', 'ar'] as const;
type Locale = (typeof locales)[number];
const messages = Object.fromEntries(
  locales.map((l) => [l, JSON.parse(fs.readFileSync(path.join(import.meta.dirname, `../kiosk/messages/${l}.json`), 'utf8'))])
) as Record<Locale, Record<string, string>>;
const languageName: Record<Locale, string> = { fr: 'Français', en: 'English', ar: 'العربية' };

/** Every value worth trying for a question: each branch of the procedure depends on one of them. */
function candidates(step: QuestionStep): AnswerValue[] {
  switch (step.type) {
    case 'yes_no':
      return [true, false];
    case 'one_choice':
      return step.choices.map((c) => c.id);
    case 'multi_choice':
      return step.choices.map((c) => [c.id]);
    case 'number':
      return [step.min ?? 1];
    case 'date':
      return [step.range === 'future' ? '2030-06-15' : '1980-03-15'];
    default:
      return ['Dupont'];
  }
}

/**
 * Answer sets that, together, show every step and every document: first each answer of each
 * question on its own, then pairs of answers for branches that need two conditions at once.
 */
function scenarios(procedure: Procedure): Answers[] {
  const questions = procedure.steps.filter((s): s is QuestionStep => s.kind === 'question');
  const base: Answers = Object.fromEntries(questions.map((q) => [q.id, candidates(q)[0]!]));
  const list: Answers[] = [base];
  const reached = new Set(screensOf(procedure, base));
  const keepIfNew = (answers: Answers) => {
    const screens = screensOf(procedure, answers);
    if (screens.some((s) => !reached.has(s))) {
      list.push(answers);
      screens.forEach((s) => reached.add(s));
    }
  };
  for (const q of questions) for (const v of candidates(q).slice(1)) keepIfNew({ ...base, [q.id]: v });
  questions.forEach((a, i) =>
    questions.slice(i + 1).forEach((b) => {
      for (const va of candidates(a)) for (const vb of candidates(b)) keepIfNew({ ...base, [a.id]: va, [b.id]: vb });
    })
  );
  return list;
}

function screensOf(procedure: Procedure, answers: Answers): string[] {
  return visibleSteps(procedure, answers).flatMap((s) =>
    s.kind === 'documents'
      ? visibleDocuments(s, answers)
          .map((d) => `${s.id}/${d.id}`)
          .concat(s.id)
      : [s.id]
  );
}

async function answer(page: Page, step: QuestionStep, value: AnswerValue): Promise<void> {
  const section = page.locator('section[data-step]');
  if (step.type === 'yes_no')
    await section
      .getByRole('radio')
      .nth(value ? 0 : 1)
      .tap();
  else if (step.type === 'one_choice')
    await section
      .getByRole('radio')
      .nth(step.choices.findIndex((c) => c.id === value))
      .tap();
  else if (step.type === 'multi_choice') {
    for (const id of value as string[])
      await section
        .getByRole('checkbox')
        .nth(step.choices.findIndex((c) => c.id === id))
        .tap();
  } else if (step.type === 'date') {
    const [y, m, d] = String(value).split('-');
    for (const digit of `${d}${m}${y}`) await section.getByRole('group').getByRole('button', { name: digit, exact: true }).tap();
  } else if (step.type === 'number') {
    for (const digit of String(value)) await section.getByRole('group').getByRole('button', { name: digit, exact: true }).tap();
  } else await section.locator(`#answer-${step.id}`).fill(String(value));
}

async function checkScreen(page: Page, locale: Locale): Promise<void> {
  const help = page.getByRole('button', { name: messages[locale].help_button, exact: true });
  await expect(help).toBeVisible();
  await expect(help).toBeEnabled();
  await expectNoAxeViolations(page);
  await expectTouchTargets(page, 48);
  await expectNoHorizontalScrollOnKioskScreens(page);
}

for (const procedure of procedures) {
  test(`crawl ${procedure.id} in every language and branch`, async ({ page }) => {
    test.setTimeout(240_000);
    const all = scenarios(procedure);
    // The scenarios must reach every step and document; otherwise this crawl would miss some.
    const reached = new Set(all.flatMap((a) => screensOf(procedure, a)));
    const everything = procedure.steps.flatMap((s) =>
      s.kind === 'documents' ? s.documents.map((d) => `${s.id}/${d.id}`).concat(s.id) : [s.id]
    );
    expect(everything.filter((s) => !reached.has(s))).toEqual([]);

    for (const locale of locales) {
      const checked = new Set<string>();
      for (const answers of all) {
        await page.setViewportSize({ width: 1080, height: 1920 });
        await openKiosk(page);
        await page.getByRole('button', { name: languageName[locale] }).first().tap();
        await expect(page.locator('html')).toHaveAttribute('lang', locale);
        await expect(page.locator('html')).toHaveAttribute('dir', locale === 'ar' ? 'rtl' : 'ltr');
        await page.getByRole('button', { name: messages[locale].kiosk_touch_to_start }).tap();
        await page.locator(`[data-procedure="${procedure.id}"]`).tap();
        for (const step of visibleSteps(procedure, answers)) {
          await expect(page.locator('section[data-step]')).toHaveAttribute('data-step', step.id);
          const key = `${step.id}:${JSON.stringify(step.kind === 'documents' ? visibleDocuments(step, answers).map((d) => d.id) : '')}`;
          if (!checked.has(key)) {
            checked.add(key);
            await checkScreen(page, locale);
            if (step.kind !== 'review') {
              // "Retour" comes first in the reading direction: on the right in Arabic.
              const back = (await page.getByRole('button', { name: messages[locale].nav_back, exact: true }).boundingBox())!;
              const next = (await page.getByRole('button', { name: messages[locale].nav_next, exact: true }).boundingBox())!;
              expect(locale === 'ar' ? back.x > next.x : back.x < next.x, 'back/next mirrored for the reading direction').toBe(
                true
              );
            }
            await page.setViewportSize({ width: 1080, height: 1920 });
          }
          if (step.kind === 'review') break;
          if (step.kind === 'question') await answer(page, step, answers[step.id]!);
          if (step.kind === 'documents') {
            const groups = page.locator('section[data-step] li[data-document]');
            for (let i = 0; i < (await groups.count()); i++) await groups.nth(i).getByRole('radio').first().tap();
          }
          await page.getByRole('button', { name: messages[locale].nav_next }).tap();
        }
      }
    }
  });
}

type Look = (screen: string) => Promise<void>;

/**
 * From the idle screen, in `locale`, through every kind of kiosk screen, calling `look` on each:
 * idle, catalog, an explanation, each question type (one choice, yes/no, several choices, text,
 * number, date), the checklist, the review, the inactivity dialog, the end screen and the help
 * panel when no agent can come. The page's clock must be installed (the inactivity dialog).
 */
async function everyKindOfScreen(page: Page, locale: Locale, look: Look, options: { largest?: boolean } = {}): Promise<void> {
  const t = messages[locale];
  const next = () => page.getByRole('button', { name: t.nav_next, exact: true }).tap();
  const atStep = (id: string) => expect(page.locator('section[data-step]')).toHaveAttribute('data-step', id);
  const open = async () => {
    await openKiosk(page);
    await page.getByRole('button', { name: languageName[locale] }).first().tap();
    await expect(page.locator('html')).toHaveAttribute('lang', locale);
    if (options.largest) {
      await page.getByTestId('text-size').tap();
      await page.getByTestId('text-size').tap();
      await expect(page.locator('.kiosk')).toHaveClass(/size-2/);
      await page.getByRole('button', { name: t.tool_contrast }).tap();
      await expect(page.locator('.kiosk')).toHaveClass(/high-contrast/);
    }
  };
  const start = async (procedure: string) => {
    await open();
    await page.getByRole('button', { name: t.kiosk_touch_to_start }).tap();
    await page.locator(`[data-procedure="${procedure}"]`).tap();
  };

  await open();
  await look('idle');
  await page.getByRole('button', { name: t.kiosk_touch_to_start }).tap();
  await expect(page.locator('.kiosk[data-screen="catalog"]')).toBeVisible();
  await look('catalog');

  // The ID card procedure: an explanation, one choice, yes/no, the checklist, the review.
  await page.locator('[data-procedure="carte-identite-passeport"]').tap();
  await atStep('intro');
  await look('step: explanation');
  await next();
  await atStep('titre');
  await look('step: one choice');
  await page.getByRole('radio').nth(1).tap();
  await next();
  await page.getByRole('radio').nth(2).tap();
  await next();
  await atStep('mineur');
  await look('step: yes/no');
  await page.getByRole('radio').nth(1).tap();
  await next();
  await page.getByRole('radio').nth(1).tap();
  await next();
  await atStep('papiers');
  await look('step: checklist');
  await next();
  await atStep('fin');
  await look('review');

  await page.clock.fastForward(91_000);
  await expect(page.getByRole('alertdialog')).toBeVisible();
  await look('inactivity dialog');
  await page.getByRole('button', { name: t.idle_still_here }).tap();
  await expect(page.getByRole('alertdialog')).toBeHidden();

  await page.getByRole('button', { name: t.end_print_and_go }).tap();
  await expect(page.locator('.kiosk[data-screen="end"]')).toBeVisible();
  await look('end');

  // The clock jumped 91 s, past socket.io's own ping timeout: the kiosk reconnects first (a kiosk
  // offline answers « Parler à un agent » with the way to the desk, not with a call).
  await expect(page.getByText(t.connection_online!, { exact: true })).toBeVisible();
  // No agent's tablet is connected: the panel says so and gives the way to the desk.
  await page.getByRole('button', { name: t.help_button, exact: true }).tap();
  await expect(page.getByTestId('call-panel')).toBeVisible();
  await look('help panel: no agent');

  await start('changement-adresse');
  await next();
  await page.getByRole('radio').first().tap();
  await next();
  await page.getByRole('radio').first().tap();
  await next();
  await atStep('besoins');
  await look('step: several choices');

  // The test procedure of e2e/catalog: a text, a number and a date.
  await start('essai-saisies');
  await atStep('nom');
  await look('step: text');
  await page.locator('#answer-nom').fill('Dupont');
  await next();
  await page.locator('#answer-code-prive').fill('1234');
  await next();
  await atStep('enfants');
  await look('step: number');
  await page.getByRole('group').getByRole('button', { name: '2', exact: true }).tap();
  await next();
  await atStep('naissance');
  await look('step: date');
}

async function expectNoEngineFindings(page: Page, found: Record<string, string[]>, screen: string): Promise<void> {
  found[screen] = await engineFindings(page);
}

test('HTML_CodeSniffer and axe experimental rules find what they are meant to', async ({ page }) => {
  // A page with three known defects: each engine must name its own, or a clean result means nothing.
  await page.setContent(`<!doctype html><html lang="fr"><head><title>Essai</title></head><body><main>
    <h1 id="twice">Titre</h1><h2 id="twice">Encore</h2>
    <button type="button" aria-label="Valider">Envoyer la demande</button>
    <p style="font-weight: 700; font-size: 1.5em">Titre court</p>
    <p>Un paragraphe ordinaire, bien plus long que le faux titre en gras qui le précède.</p>
    <p>Autre paragraphe.</p></main></body></html>`);
  expect((await codeSnifferErrors(page)).join('\n')).toMatch(/F77: h2#twice/);
  const axe = (await axeExperimentalViolations(page)).join('\n');
  expect(axe).toMatch(/label-content-name-mismatch/);
  expect(axe).toMatch(/p-as-heading/);
});

for (const locale of ['fr', 'en', 'ar'] as const) {
  test(`HTML_CodeSniffer and axe experimental rules find nothing on every kind of kiosk screen, in ${locale}`, async ({
    page
  }) => {
    test.setTimeout(120_000);
    await page.setViewportSize({ width: 1080, height: 1920 });
    await page.clock.install();
    const found: Record<string, string[]> = {};
    await everyKindOfScreen(page, locale, (screen) => expectNoEngineFindings(page, found, screen));
    expect(Object.keys(found)).toHaveLength(14);
    expect(Object.entries(found).filter(([, list]) => list.length > 0)).toEqual([]);
  });
}

test('… and at the largest text size in high contrast', async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1080, height: 1920 });
  await page.clock.install();
  const found: Record<string, string[]> = {};
  await everyKindOfScreen(page, 'fr', (screen) => expectNoEngineFindings(page, found, screen), { largest: true });
  expect(Object.keys(found)).toHaveLength(14);
  expect(Object.entries(found).filter(([, list]) => list.length > 0)).toEqual([]);
});

async function availableAgent(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 1366 }, hasTouch: true, locale: 'fr-FR' });
  const tablet = await context.newPage();
  await loginAs(tablet, 'agent');
  await expect(tablet.getByRole('heading', { name: `Bonjour ${demo.agent.firstName}` })).toBeVisible();
  await tablet.getByRole('button', { name: 'Disponible' }).tap();
  await expect(tablet.getByRole('button', { name: 'Disponible' })).toHaveAttribute('aria-pressed', 'true');
  return tablet;
}

test('… and on the help panel while an agent is called, then joined', async ({ page, browser }) => {
  test.setTimeout(60_000);
  const tablet = await availableAgent(browser);
  await page.setViewportSize({ width: 1080, height: 1920 });
  await openKiosk(page);
  await page.getByRole('button', { name: messages.fr.kiosk_touch_to_start }).tap();
  await page.locator('[data-procedure="essai-saisies"]').tap();
  await page.getByRole('button', { name: messages.fr.help_button, exact: true }).tap();
  await expect(page.getByTestId('call-panel')).toContainText(messages.fr.call_told!);
  expect(await engineFindings(page), 'while the call rings').toEqual([]);
  await tablet.locator('[data-call]').getByRole('button', { name: 'Accepter' }).tap();
  await expect(page.getByRole('button', { name: messages.fr.sharing_stop })).toBeVisible();
  expect(await engineFindings(page), 'with the agent joined').toEqual([]);
  await page.getByRole('button', { name: messages.fr.sharing_stop }).tap();
  await expect(page.getByTestId('sharing-banner')).toHaveCount(0);
  await tablet.context().close();
});
