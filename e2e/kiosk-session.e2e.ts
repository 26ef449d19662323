/**
 * The kiosk session: inactivity warns, can be extended with one big button, then wipes
 * everything (answers, language, text size, contrast) and leaves nothing in storage or the
 * database. High contrast passes axe's contrast rules, including the enhanced 7:1 one.
 */
import os from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import Database from 'better-sqlite3';
import { answerIdCardUpToChecklist, expect, expectNoHorizontalScrollOnKioskScreens, test, openKiosk } from './fixtures';

/**
 * Every row of the database as text, each prefixed by its table, but for what the site itself
 * writes: its services' names (« Carte d'identité ou passeport ») and its procedure files
 * (« Mon papier a été volé »).
 */
function databaseRows(port: string): string[] {
  const db = new Database(path.join(os.tmpdir(), `guichet-e2e-${port}`, 'guichet.sqlite'), { readonly: true });
  const siteTexts = new Set(['services', 'procedures', 'procedure_versions']);
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[])
    .map((t) => t.name)
    .filter((name) => !siteTexts.has(name));
  const rows = tables.flatMap((t) =>
    db
      .prepare(`SELECT * FROM "${t}"`)
      .all()
      .map((row) => `${t} ${JSON.stringify(row)}`)
  );
  db.close();
  return rows;
}

test('inactivity: a countdown, "I am still here", then a full wipe', async ({ page, baseURL }) => {
  // Earlier tests' sessions that ended with a call keep their answers until the retention purge,
  // by design: only what this test's session writes is checked.
  const port = new URL(baseURL!).port;
  const before = new Set(databaseRows(port));
  await page.clock.install();
  await openKiosk(page);
  await page.getByRole('button', { name: 'English' }).first().tap();
  await page.getByRole('button', { name: 'A+ Normal text' }).tap();
  await page.getByRole('button', { name: 'Contrast' }).tap();
  await page.getByRole('button', { name: 'Touch the screen to start' }).tap();
  await expect(page.getByText('If you do not touch the screen for 90 seconds, the kiosk erases everything.')).toBeVisible();
  await page.locator('[data-procedure="carte-identite-passeport"]').tap();
  await page.getByRole('button', { name: 'Next' }).tap();
  await page.getByRole('radio', { name: 'Passport' }).tap();
  await page.getByRole('button', { name: 'Next' }).tap();
  await page.getByRole('radio', { name: 'My document was stolen' }).tap();

  // 90 s without a touch: the warning, with time left to answer.
  await page.clock.fastForward(91_000);
  const warning = page.getByRole('alertdialog', { name: 'Are you still there?' });
  await expect(warning).toBeVisible();
  await page.getByRole('button', { name: 'I am still here' }).tap();
  await expect(warning).toBeHidden();
  await expect(page.getByRole('radio', { name: 'My document was stolen' })).toHaveAttribute('aria-checked', 'true');

  // Then nothing for 90 + 30 s: everything is wiped.
  await page.clock.fastForward(91_000);
  await expect(warning).toBeVisible();
  await page.clock.fastForward(31_000);
  await expect(page.getByRole('button', { name: "Touchez l'écran pour commencer" })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  await expect(page.locator('.kiosk')).toHaveClass(/size-0/);
  await expect(page.locator('.kiosk')).not.toHaveClass(/high-contrast/);
  expect(await page.evaluate(() => [localStorage.length, sessionStorage.length])).toEqual([0, 0]);

  // The server erased the session's contents too (the wipe reaches it a moment later).
  // A ticket prints its service's name: the site's words, not an answer.
  const written = () =>
    databaseRows(port)
      .filter((row) => !before.has(row))
      .join('\n')
      .replaceAll("Carte d'identité ou passeport", '');
  await expect.poll(written).not.toMatch(/vol|passeport/);

  // Starting again shows no trace of the previous answers.
  await page.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await page.locator('[data-procedure="carte-identite-passeport"]').tap();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await expect(page.getByRole('radio', { name: 'Passeport' })).toHaveAttribute('aria-checked', 'false');
  await expect(page.locator('body')).not.toContainText('volé');
});

test('high contrast passes the contrast rules, 7:1 included', async ({ page }) => {
  await openKiosk(page);
  await page.getByRole('button', { name: 'Contraste' }).tap();
  const contrast = async () => {
    const results = await new AxeBuilder({ page }).withRules(['color-contrast', 'color-contrast-enhanced']).analyze();
    expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  };
  await contrast();
  await page.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await contrast();
  await page.locator('[data-procedure="carte-identite-passeport"]').tap();
  await contrast();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await expect(page.getByRole('alert')).toHaveText('Répondez à la question pour continuer.');
  await contrast();
});

test('read aloud asks the server for speech in the screen language', async ({ page }) => {
  const spoken: { text: string; lang: string }[] = [];
  await page.route('**/api/speech', async (route) => {
    spoken.push(route.request().postDataJSON() as { text: string; lang: string });
    await route.continue();
  });
  await openKiosk(page);
  await page.getByRole('button', { name: 'العربية' }).first().tap();
  const speech = page.waitForResponse('**/api/speech');
  await page.getByRole('button', { name: 'القراءة بصوت عالٍ' }).tap();
  const response = await speech;
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toBe('audio/wav');
  expect(spoken.at(-1)).toMatchObject({ lang: 'ar' });
  expect(spoken.at(-1)!.text).toContain('المس الشاشة للبدء');
});

test('social help offers an agent straight away', async ({ page }) => {
  await openKiosk(page);
  await page.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await page.locator('[data-procedure="aide-sociale-ccas"]').tap();
  await expect(page.getByText('Pour cette démarche, un agent vous reçoit directement.')).toBeVisible();
  await page.getByRole('button', { name: 'Parler à un agent maintenant' }).tap();
  // No tablet is connected in this test: the kiosk says so at once, with the way to the desk.
  await expect(page.getByTestId('call-panel').filter({ hasText: "Aucun agent n'est disponible en ce moment" })).toBeVisible();
  // …and says it through the live region that was there before the call.
  await expect(page.getByTestId('call-status')).toContainText("Aucun agent n'est disponible en ce moment");
});

test('the review lets the citizen change an answer and come straight back', async ({ page }) => {
  await openKiosk(page);
  await answerIdCardUpToChecklist(page);
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await expect(page.getByRole('heading', { name: 'Vérifiez vos réponses' })).toBeVisible();
  await page.getByRole('button', { name: 'Modifier : Quel papier voulez-vous ?' }).tap();
  await page.getByRole('radio', { name: 'Passeport' }).tap();
  await page.getByRole('button', { name: 'Revenir au résumé' }).tap();
  await expect(page.getByRole('heading', { name: 'Vérifiez vos réponses' })).toBeVisible();
  await expect(page.getByRole('definition').filter({ hasText: /^Passeport$/ })).toBeVisible();
  // The passport stamp replaces the lost-card stamp in the checklist.
  await expect(page.getByText('Un timbre fiscal pour le passeport', { exact: false })).toBeVisible();
  await expect(page.getByText('Un timbre fiscal de 25 €')).toBeHidden();
  await page.getByRole('button', { name: 'Imprimer et aller au guichet' }).tap();
  await expect(page.getByRole('heading', { name: 'Allez au guichet' })).toBeVisible();
  await page.getByRole('button', { name: 'Terminer' }).tap();
  await expect(page.getByRole('button', { name: "Touchez l'écran pour commencer" })).toBeVisible();
});

test('at the largest text size nothing scrolls sideways, in portrait or landscape', async ({ page }) => {
  await openKiosk(page);
  await page.getByRole('button', { name: 'العربية' }).first().tap();
  await page.getByTestId('text-size').tap();
  await page.getByTestId('text-size').tap();
  await expect(page.locator('.kiosk')).toHaveClass(/size-2/);
  await expectNoHorizontalScrollOnKioskScreens(page);
  await page.getByRole('button', { name: 'المس الشاشة للبدء' }).tap();
  await expectNoHorizontalScrollOnKioskScreens(page);
  await page.locator('[data-procedure="acte-etat-civil"]').tap();
  for (let i = 0; i < 8; i++) {
    await expectNoHorizontalScrollOnKioskScreens(page);
    const section = page.locator('section[data-step]');
    if ((await section.getAttribute('data-step')) === 'fin') break;
    const radios = section.getByRole('radio');
    if ((await radios.count()) > 0) await radios.first().tap();
    await page.getByRole('button', { name: 'التالي' }).tap();
  }
});
