/**
 * Each of the four faces loads in French, passes axe, switches to Arabic right-to-left without a
 * reload, passes axe again, and never scrolls sideways.
 */
import { demo, expect, expectNoAxeViolations, expectNoHorizontalScroll, loginAs, test, openKiosk } from './fixtures';
import type { Page } from '@playwright/test';

async function checkFrenchThenArabic(page: Page, frenchText: string | RegExp, arabicText: string | RegExp): Promise<void> {
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  await expect(page.locator('html')).toHaveAttribute('dir', 'ltr');
  await expect(page.getByText(frenchText).first()).toBeVisible();
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);

  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
  await page.getByRole('button', { name: 'العربية' }).first().click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'ar');
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await expect(page.getByText(arabicText).first()).toBeVisible();
  // Switched in place: the page was not reloaded.
  expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);

  // The server renders the next page load in the chosen language too.
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await page.getByRole('button', { name: 'Français' }).first().click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
}

test.describe('the four faces in French and Arabic', () => {
  test('/borne, the kiosk', async ({ page }) => {
    await openKiosk(page);
    await expect(page.getByRole('button', { name: 'Parler à un agent' })).toBeVisible();
    await checkFrenchThenArabic(page, "Touchez l'écran pour commencer", 'المس الشاشة للبدء');
  });

  test('/affichage, the hall display', async ({ page }) => {
    await page.goto('/affichage');
    await expect(page.getByRole('heading', { name: 'Mairie de Démoville' })).toBeVisible();
    // A heading that is there whether or not a ticket was called earlier in the run.
    await checkFrenchThenArabic(page, 'Appel en cours', 'النداء الحالي');
  });

  test('/agent, login then the tablet', async ({ page }) => {
    await page.goto('/agent');
    await checkFrenchThenArabic(page, 'Connexion agent', 'دخول الموظف');
    await loginAs(page, 'agent');
    await expect(page.getByRole('heading', { name: `Bonjour ${demo.agent.firstName}` })).toBeVisible();
    await checkFrenchThenArabic(page, 'Bornes et écrans du site', 'أجهزة الخدمة والشاشات في الموقع');
  });

  test('/gestion, login then the console', async ({ page }) => {
    await page.goto('/gestion');
    await checkFrenchThenArabic(page, 'Connexion responsable de site', 'دخول مسؤول الموقع');
    await loginAs(page, 'manager');
    await expect(page.getByRole('heading', { name: 'Gestion du site' })).toBeVisible();
    await checkFrenchThenArabic(page, 'Appairer une borne ou un écran', 'اقتران جهاز خدمة أو شاشة');
  });

  test('/, the index of faces', async ({ page }) => {
    await page.goto('/');
    await checkFrenchThenArabic(page, 'Tablette agent', 'لوحة الموظف');
  });
});
