/** Agents and managers log in with the demo accounts from the README, and out again. */
import { demo, expect, loginAs, test } from './fixtures';

test('an agent logs in with the demo PIN, sees the site, and logs out', async ({ page }) => {
  await loginAs(page, 'agent');
  await expect(page.getByRole('heading', { name: `Bonjour ${demo.agent.firstName}` })).toBeVisible();
  await expect(page.getByText('Mairie de Démoville')).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Connecté' })).toBeVisible();
  await expect(page.getByTestId('terminal-list')).toContainText('Borne de démonstration');
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await expect(page.getByRole('heading', { name: 'Connexion agent' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Connexion agent' })).toBeVisible();
});

test('a wrong PIN is refused in plain words', async ({ page }) => {
  await page.goto('/agent');
  await page.getByLabel('Identifiant').fill('marie');
  await page.getByLabel('Code PIN').fill('9999');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page.getByRole('alert')).toHaveText('Identifiant ou code incorrect.');
});

test('a manager logs in with the demo password and sees the terminals', async ({ page }) => {
  await loginAs(page, 'manager');
  await expect(page.getByRole('heading', { name: 'Gestion du site' })).toBeVisible();
  await expect(page.getByTestId('terminal-list')).toContainText('Écran du hall');
});

test('the agent login does not open the manager console', async ({ page }) => {
  await loginAs(page, 'agent');
  await expect(page.getByRole('heading', { name: `Bonjour ${demo.agent.firstName}` })).toBeVisible();
  await page.goto('/gestion');
  await expect(page.getByRole('heading', { name: 'Connexion responsable de site' })).toBeVisible();
});
