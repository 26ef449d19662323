/**
 * Visits every step of every shipped procedure in every language, following each branch, and
 * checks each screen: the help button is there with its localized name, axe finds nothing, every
 * control is at least 48×48 px, and nothing scrolls sideways in portrait or landscape.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { visibleDocuments, visibleSteps, type AnswerValue, type Answers } from '../shared/procedures/answers';
import type { Procedure, QuestionStep } from '../shared/procedures/schema';
import { loadCatalog, shippedCatalogDir } from '../server/src/procedures/catalog';
import {
  expect,
  expectNoAxeViolations,
  expectNoHorizontalScrollOnKioskScreens,
  expectTouchTargets,
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
