/**
 * The kiosk's plain words as a citizen sees them: one sentence a line in the helps, the passport
 * stamp's prices one by one, the administrative words explained beside them, and the kiosk's own
 * messages in everyday words.
 */
import type { Page } from '@playwright/test';
import { expect, openKiosk, test } from './fixtures';

const next = (page: Page) => page.getByRole('button', { name: 'Suivant', exact: true }).tap();

/** The lines of an element as the browser lays them out (a line break that is not shown is a space). */
const shownLines = async (page: Page, selector: string) =>
  (await page.locator(selector).evaluate((el) => (el as HTMLElement).innerText)).split('\n');

test('the passport stamp gives each price on its own line, and says what the stamp is', async ({ page }) => {
  await openKiosk(page);
  await page.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await page.locator('[data-procedure="carte-identite-passeport"]').tap();
  await expect(page.getByText("L'agent prend les empreintes de vos doigts.")).toBeVisible();
  await next(page);
  await page.getByRole('radio', { name: 'Passeport' }).tap();
  await next(page);
  await expect(page.getByRole('radio', { name: 'La date de fin de mon papier est passée ou proche' })).toBeVisible();
  await page.getByRole('radio', { name: "J'ai perdu mon papier" }).tap();
  await next(page);
  await page.getByRole('radio', { name: 'Non' }).tap();
  await next(page);
  await page.getByRole('radio', { name: 'Non' }).tap();
  await next(page);

  const stamp = 'li[data-document="timbre-passeport"]';
  await expect(page.locator(`${stamp} .label`)).toHaveText('Un timbre fiscal pour le passeport');
  expect(await shownLines(page, `${stamp} .help`)).toEqual([
    'Le timbre fiscal sert à payer le passeport.',
    "Son prix dépend de l'âge.",
    'Pour un adulte\u202f: 86 €.',
    'Pour un jeune de 15 à 17 ans\u202f: 42 €.',
    'Pour un enfant de moins de 15 ans\u202f: 17 €.',
    "Vous l'achetez sur internet ou dans un bureau de tabac."
  ]);
  expect(await shownLines(page, 'li[data-document="photo"] .help')).toEqual([
    'Allez chez un photographe.',
    "Ou utilisez une cabine photo qui fait des photos d'identité officielles."
  ]);
});

test('a question’s help shows one sentence a line and explains « filiation »', async ({ page }) => {
  await openKiosk(page);
  await page.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await page.locator('[data-procedure="acte-etat-civil"]').tap();
  await expect(page.getByText("Pour une naissance, demandez l'acte à la mairie du lieu de naissance.")).toBeVisible();
  await next(page);
  await page.getByRole('radio', { name: 'Acte de naissance' }).tap();
  await next(page);
  await page.getByRole('radio', { name: 'Pour moi' }).tap();
  await next(page);
  await expect(page.locator('section[data-step]')).toHaveAttribute('data-step', 'forme');
  await expect(page.getByRole('radio', { name: 'Extrait avec les noms des parents' })).toBeVisible();
  expect(await shownLines(page, 'section[data-step] .help')).toEqual([
    "L'organisme qui vous demande l'acte dit quelle forme il veut.",
    'Un extrait « avec filiation » donne les noms des parents.',
    'Si vous ne savez pas, un agent vous aide.'
  ]);
});

test('the kiosk says how long it waits in everyday words', async ({ page }) => {
  await openKiosk(page);
  await page.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await expect(page.getByText("Si vous ne touchez pas l'écran pendant 90 secondes, la borne efface tout.")).toBeVisible();
});

test('a kiosk that cannot reach the server says it is not working and where to go', async ({ page }) => {
  // The page loads, but its live connection never opens: the kiosk never gets its setup.
  await page.routeWebSocket(/\/socket\.io\//, (ws) => ws.close());
  await page.route(/\/socket\.io\//, (route) => route.abort());
  await page.goto('/borne');
  // socket.io gives up on its first connection after its own 20 s timeout.
  await expect(page.getByRole('alert')).toHaveText(
    "La borne ne marche pas en ce moment. Allez à l'accueil. Un agent vous aide.",
    {
      timeout: 30_000
    }
  );
});
