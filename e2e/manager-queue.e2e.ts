/**
 * The site manager sets up the queue without a developer: adds a counter, gives a service its own
 * hours (a day that cannot be read is named, nothing saved), sets the priority rule, and how long a
 * finished procedure's answers are kept.
 */
import { expect, expectNoAxeViolations, loginAs, openConsolePage, test } from './fixtures';

test('the manager adds a counter, sets a service’s hours, the priority rule and how long answers are kept', async ({ page }) => {
  await loginAs(page, 'manager');
  await openConsolePage(page, 'Services et guichets');
  const setup = page.getByTestId('queue-setup');
  await expect(setup.getByRole('heading', { name: 'Services et guichets' })).toBeVisible();

  // A new counter, said by the display by its name.
  const name = `Bureau ${Date.now() % 100000}`;
  const add = setup.locator('form').filter({ has: page.getByRole('button', { name: 'Ajouter un guichet' }) });
  await add.getByLabel('Nom du guichet').fill(name);
  await add.getByRole('button', { name: 'Ajouter un guichet' }).click();
  await expect(setup.getByRole('status')).toHaveText('Enregistré.');
  await expect
    .poll(() => setup.locator('input[name="name"]').evaluateAll((els) => els.map((el) => (el as HTMLInputElement).value)))
    .toContain(name);

  // The social service gets its own hours; a day that cannot be read is named first.
  const social = setup.locator('form[data-service="ccas"]');
  await social.getByText('Horaires de ce service').click();
  await social.getByLabel('Ses propres horaires (sinon ceux de la mairie)').check();
  await social.getByLabel('lundi').fill('le matin');
  await social.getByRole('button', { name: 'Enregistrer' }).click();
  await expect(setup.getByRole('status')).toContainText('Horaires du lundi illisibles');
  await social.getByLabel('lundi').fill('08:30-12:00, 13:30-17:00');
  await social.getByRole('button', { name: 'Enregistrer' }).click();
  await expect(setup.getByRole('status')).toHaveText('Enregistré.');
  await expectNoAxeViolations(page);

  // Back to the town hall's hours, as the other tests expect.
  await social.getByLabel('Ses propres horaires (sinon ceux de la mairie)').uncheck();
  await social.getByRole('button', { name: 'Enregistrer' }).click();
  await expect(setup.getByRole('status')).toHaveText('Enregistré.');

  const rule = page.locator('section').filter({ has: page.getByRole('heading', { name: "File d'attente" }) });
  await rule.getByLabel('Un ticket prioritaire après (tickets ordinaires)').fill('3');
  await rule.getByRole('button', { name: 'Enregistrer' }).click();
  await expect(rule.getByRole('status')).toHaveText('Enregistré.');
  await rule.getByLabel('Un ticket prioritaire après (tickets ordinaires)').fill('2');
  await rule.getByRole('button', { name: 'Enregistrer' }).click();
  await expect(rule.getByRole('status')).toHaveText('Enregistré.');

  // How long a finished procedure's answers are kept: a week, then back to the same evening.
  await openConsolePage(page, 'Réglages du site');
  const data = page.locator('section').filter({ has: page.getByRole('heading', { name: 'Données des usagers' }) });
  await data.getByLabel('Effacer les réponses').selectOption({ label: 'après 7 jours' });
  await data.getByRole('button', { name: 'Enregistrer' }).click();
  await expect(data.getByRole('status')).toHaveText('Enregistré.');
  await page.reload();
  await expect(data.getByLabel('Effacer les réponses')).toHaveValue('7');
  await data.getByLabel('Effacer les réponses').selectOption({ label: 'le soir même' });
  await data.getByRole('button', { name: 'Enregistrer' }).click();
  await expect(data.getByRole('status')).toHaveText('Enregistré.');
});
