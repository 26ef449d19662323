/**
 * What must not be lost or out of reach at the kiosk: a person to talk to during the inactivity
 * countdown, the answers behind one touch of « Tout effacer », and one clear next step with a
 * ticket at the end of a procedure.
 */
import type { Locator, Page } from '@playwright/test';
import { answerIdCardUpToChecklist, expect, expectNoAxeViolations, openKiosk, test } from './fixtures';

async function size(locator: Locator): Promise<{ width: number; height: number }> {
  const box = await locator.boundingBox();
  expect(box, 'a box on screen').not.toBeNull();
  return { width: box!.width, height: box!.height };
}

async function expectAtLeast(locator: Locator, min: number): Promise<void> {
  const { width, height } = await size(locator);
  expect(Math.min(width, height), `${await locator.textContent()} at least ${min}px`).toBeGreaterThanOrEqual(min);
}

/** From the idle screen to the ID card procedure's first question, with « Passeport » chosen. */
async function choosePassport(page: Page): Promise<void> {
  await page.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await page.locator('[data-procedure="carte-identite-passeport"]').tap();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await page.getByRole('radio', { name: 'Passeport' }).tap();
  await expect(page.getByRole('radio', { name: 'Passeport' })).toHaveAttribute('aria-checked', 'true');
}

test('during the inactivity countdown, « Parler à un agent » is still there, by touch and by focus', async ({ page }) => {
  await page.clock.install();
  await openKiosk(page);
  await choosePassport(page);
  await page.clock.fastForward(91_000);
  const countdown = page.getByRole('alertdialog', { name: 'Êtes-vous encore là ?' });
  await expect(countdown).toBeVisible();

  // The dialog opens on staying; the next Tab reaches a person.
  const stay = countdown.getByRole('button', { name: 'Je suis encore là' });
  const help = countdown.getByRole('button', { name: 'Parler à un agent' });
  await expect(stay).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(help).toBeFocused();
  await expectAtLeast(help, 72);
  await expectNoAxeViolations(page);

  // A touch calls: the countdown closes, the answers stay, and the call is made (no tablet is
  // connected here, so the kiosk says so at once, with the way to the desk).
  // The clock jumped 91 s, past socket.io's own ping timeout: the kiosk reconnects first (a kiosk
  // offline answers « Parler à un agent » with the way to the desk, not with a call).
  await expect(page.getByText('Connecté', { exact: true })).toBeVisible();
  await help.tap();
  await expect(countdown).toBeHidden();
  await expect(page.getByTestId('call-panel')).toHaveAttribute('data-call-status', 'unanswered');
  await expect(page.getByTestId('call-panel').filter({ hasText: "Aucun agent n'est disponible en ce moment" })).toBeVisible();
  await expect(page.getByRole('radio', { name: 'Passeport' })).toHaveAttribute('aria-checked', 'true');
});

test('« Tout effacer » asks first: one touch wipes nothing, « Non » and Escape keep every answer, « Oui » wipes', async ({
  page
}) => {
  await page.setViewportSize({ width: 1080, height: 1920 });
  await openKiosk(page);
  await choosePassport(page);
  const finish = page.getByTestId('finish');
  const ask = page.getByRole('alertdialog', { name: 'Tout effacer ?' });
  const keep = ask.getByRole('button', { name: 'Non, garder mes réponses' });
  const wipe = ask.getByRole('button', { name: 'Oui, tout effacer' });

  // One touch: a question, nothing wiped; it opens on the choice that loses nothing.
  await finish.tap();
  await expect(ask).toBeVisible();
  await expect(ask).toContainText('Vos réponses seront perdues.');
  await expect(keep).toBeFocused();
  await expectAtLeast(keep, 72);
  await expectAtLeast(wipe, 72);
  await expect(page.locator('.kiosk')).toHaveAttribute('data-screen', 'step');
  await expectNoAxeViolations(page);

  // « Non »: the dialog closes, focus goes back to the button, the answer is there.
  await keep.tap();
  await expect(ask).toBeHidden();
  await expect(finish).toBeFocused();
  await expect(page.getByRole('radio', { name: 'Passeport' })).toHaveAttribute('aria-checked', 'true');

  // Escape is « Non » too.
  await finish.tap();
  await expect(ask).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(ask).toBeHidden();
  await expect(page.getByRole('radio', { name: 'Passeport' })).toHaveAttribute('aria-checked', 'true');

  // With reading on, the question is heard too.
  await page.getByRole('button', { name: 'Lire à voix haute' }).tap();
  const spoken = page.waitForRequest(
    (r) => r.url().endsWith('/api/speech') && (r.postDataJSON() as { text: string }).text.startsWith('Tout effacer')
  );
  await finish.tap();
  expect((await spoken).postDataJSON()).toMatchObject({
    lang: 'fr',
    text: expect.stringMatching(/^Tout effacer\s\? Vos réponses seront perdues\. Non, garder mes réponses\. Oui, tout effacer\.$/)
  });

  // « Oui »: everything is wiped; a new start shows nothing of it.
  await wipe.tap();
  await expect(page.locator('.kiosk')).toHaveAttribute('data-screen', 'idle');
  await choosePassportAgainUnchosen(page);
});

async function choosePassportAgainUnchosen(page: Page): Promise<void> {
  await page.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await page.locator('[data-procedure="carte-identite-passeport"]').tap();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await expect(page.getByRole('radio', { name: 'Passeport' })).toHaveAttribute('aria-checked', 'false');
}

test('the end screen gives one direction, the procedure’s, with the ticket as its main action', async ({ page }) => {
  await page.setViewportSize({ width: 1080, height: 1920 });
  await openKiosk(page);
  await answerIdCardUpToChecklist(page);
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await page.getByRole('button', { name: 'Imprimer et aller au guichet' }).tap();
  const end = page.locator('section.end');
  await expect(end.getByRole('heading', { level: 1, name: 'Allez au guichet' })).toBeVisible();

  // One direction: the procedure's own first next step, said once, and nothing that sends the
  // citizen elsewhere (the appointment is given at the counter).
  const direction = page.getByTestId('end-direction');
  await expect(direction).toHaveText('Au guichet, un agent vous donne un rendez-vous.');
  await expect(end.getByText('Au guichet, un agent vous donne un rendez-vous.')).toHaveCount(1);
  await expect(end).not.toContainText("à l'accueil");
  await expect(end).toContainText('Le jour du rendez-vous, venez avec tous vos papiers.');

  // The ticket is the first action, large and filled (its background is its border's colour).
  const ticket = end.getByRole('button', { name: 'Prendre un ticket' });
  await expect(end.getByRole('button').first()).toHaveText('Prendre un ticket');
  await expectAtLeast(ticket, 72);
  const look = await ticket.evaluate((el) => {
    const style = getComputedStyle(el);
    return { background: style.backgroundColor, border: style.borderTopColor };
  });
  expect(look.background).toBe(look.border);
  for (const other of await end.getByRole('button').all()) {
    if (other === ticket || (await other.textContent())?.trim() === 'Prendre un ticket') continue;
    const filled = await other.evaluate((el) => getComputedStyle(el).backgroundColor === getComputedStyle(el).borderTopColor);
    expect(filled, `${await other.textContent()} is not drawn as a second main action`).toBe(false);
  }
  await expectNoAxeViolations(page);

  // It gives a ticket for the procedure's counter.
  await ticket.tap();
  await expect(page.getByTestId('ticket-panel')).toContainText("Carte d'identité ou passeport");
  await expect(page.getByTestId('ticket-number')).toHaveText(/^\S+$/);
});
