/**
 * Typing on the kiosk with the on-screen AZERTY keyboard, the number pad and the day/month/year
 * date entry; a private answer is marked, and its keys are never spoken.
 */
import { expect, expectNoAxeViolations, expectTouchTargets, test, openKiosk } from './fixtures';

test('keyboard, number pad and date entry, with a private answer kept silent', async ({ page }) => {
  const spoken: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/api/speech')) spoken.push((r.postDataJSON() as { text: string }).text);
  });
  await openKiosk(page);
  await page.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await page.locator('[data-procedure="essai-saisies"]').tap();
  await page.getByRole('button', { name: 'Lire à voix haute' }).tap();

  // AZERTY keyboard, capital with Majuscule, accented letter on its own key.
  const keyboard = page.getByRole('group', { name: 'Clavier' });
  await expectNoAxeViolations(page);
  await expectTouchTargets(page, 48);
  await keyboard.getByRole('button', { name: 'Majuscule' }).tap();
  // With Majuscule on, the keys show capitals until one is typed.
  await keyboard.getByRole('button', { name: 'D', exact: true }).tap();
  for (const key of ['u', 'p']) await keyboard.getByRole('button', { name: key, exact: true }).tap();
  await keyboard.getByRole('button', { name: 'é', exact: true }).tap();
  await expect(page.getByLabel('Votre nom de famille')).toHaveValue('Dupé');
  await expect.poll(() => spoken.includes('é')).toBe(true);
  await page.getByRole('button', { name: 'Suivant' }).tap();

  // A private answer: marked on screen, and its keys are not read aloud.
  await expect(page.getByText("Réponse privée : elle n'est pas lue à voix haute.")).toBeVisible();
  const before = spoken.length;
  await keyboard.getByRole('button', { name: 'Majuscule' }).tap();
  await keyboard.getByRole('button', { name: 'X', exact: true }).tap();
  for (const key of ['q', 'z']) await keyboard.getByRole('button', { name: key, exact: true }).tap();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await expect(page.locator('section[data-step]')).toHaveAttribute('data-step', 'enfants');
  expect(spoken.slice(before).filter((t) => ['X', 'q', 'z'].includes(t))).toEqual([]);
  await page
    .getByRole('button', { name: 'Lire à voix haute' })
    .or(page.getByRole('button', { name: 'Arrêter la lecture' }))
    .tap();

  // Number pad, with a range check.
  const pad = page.getByRole('group', { name: 'Chiffres' });
  await pad.getByRole('button', { name: '4', exact: true }).tap();
  await pad.getByRole('button', { name: '2', exact: true }).tap();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await expect(page.getByRole('alert')).toHaveText('Ce nombre est trop grand. Vérifiez-le.');
  await pad.getByRole('button', { name: 'Effacer', exact: true }).tap();
  await page.getByRole('button', { name: 'Suivant' }).tap();

  // Day, month, year on the pad; an impossible date is refused with how to fix it.
  await expectNoAxeViolations(page);
  for (const d of '30021990') await pad.getByRole('button', { name: d, exact: true }).tap();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await expect(page.getByRole('alert')).toHaveText("Cette date n'existe pas. Vérifiez le jour, le mois et l'année.");
  await page.getByRole('button', { name: 'Jour' }).tap();
  await pad.getByRole('button', { name: 'Effacer le nombre' }).tap();
  for (const d of '28') await pad.getByRole('button', { name: d, exact: true }).tap();
  await page.getByRole('button', { name: 'Suivant' }).tap();

  // The review shows what was typed; the private answer carries its lock.
  await expect(page.getByRole('heading', { name: 'Vérifiez vos réponses' })).toBeVisible();
  const review = page.locator('dl');
  await expect(review).toContainText('Dupé');
  await expect(review).toContainText('4');
  await expect(review).toContainText('28/02/1990');
  await expect(review).toContainText('🔒 Xqz');
  await expectNoAxeViolations(page);
});
