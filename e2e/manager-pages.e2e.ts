/**
 * Every page of the manager console, reached through its menu (so a page added to the menu is
 * checked without touching this file): each has its own title and headings, keeps the one socket
 * connection, and passes axe.
 */
import { expect, expectNoAxeViolations, loginAs, test } from './fixtures';

test('every console page is reachable from the menu and passes axe', async ({ page }) => {
  await loginAs(page, 'manager');
  const menu = page.getByRole('navigation', { name: 'Pages de la gestion' });
  await expect(menu.getByRole('link').first()).toBeVisible();
  const links = await menu
    .getByRole('link')
    .evaluateAll((els) => els.map((el) => ({ name: (el.textContent ?? '').trim(), href: el.getAttribute('href') ?? '' })));
  expect(links.length).toBeGreaterThanOrEqual(4);
  const titles = new Set<string>();
  for (const link of links) {
    await menu.getByRole('link', { name: link.name, exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`${link.href}$`));
    await expect(menu.getByRole('link', { name: link.name, exact: true })).toHaveAttribute('aria-current', 'page');
    await expect(page.getByRole('heading', { level: 2 }).first()).toBeVisible();
    await expect(page.locator('header .badge')).toHaveAttribute('data-status', 'online');
    titles.add(await page.title());
    await expectNoAxeViolations(page);
  }
  // Each page says where the manager is in the tab's title.
  expect(titles.size).toBe(links.length);
});
