/**
 * The help call as the citizen meets it, against the real server and a logged-in agent's tablet:
 * a double tap calls once and never cancels (cancelling is its own button), every change of the
 * call is announced in a live region that is there from the start and spoken when reading aloud is
 * on, « Marie modifie » and « Marie arrive » go when they stop being true, and a help tap while an
 * agent is already there says so. The kiosk's clock is Playwright's: paused, it proves what time
 * did not do (no test waits for time to pass).
 */
import type { Browser, Page, Request } from '@playwright/test';
import { demo, expect, expectNoAxeViolations, openKiosk, test } from './fixtures';
import { isSpeech } from './staff-socket';

async function agentTablet(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 1366 }, hasTouch: true, locale: 'fr-FR' });
  const tablet = await context.newPage();
  await tablet.goto('/agent');
  await tablet.getByLabel('Identifiant').fill(demo.agent.login);
  await tablet.getByLabel('Code PIN').fill(demo.agent.secret);
  await tablet.getByRole('button', { name: 'Se connecter' }).click();
  await expect(tablet.getByText('Aucun appel pour le moment.')).toBeVisible();
  await tablet.getByRole('button', { name: 'Disponible' }).tap();
  await expect(tablet.getByRole('button', { name: 'Disponible' })).toHaveAttribute('aria-pressed', 'true');
  return tablet;
}

/** The next request to the server's speech endpoint whose text contains `words`, and its real answer. */
async function spoken(page: Page, words: string, act: () => Promise<void>): Promise<void> {
  const said = page.waitForRequest((r: Request) => isSpeech(r) && (r.postDataJSON() as { text: string }).text.includes(words));
  await act();
  const response = await (await said).response();
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-type']).toBe('audio/wav');
}

/** Socket.io frames the kiosk sends, in order (what it asked the server, cancels included). */
function sentFrames(page: Page): string[] {
  const frames: string[] = [];
  page.on('websocket', (ws) => ws.on('framesent', (f) => frames.push(String(f.payload))));
  return frames;
}

test('a double tap on « Parler à un agent » calls once: the tablet keeps ringing, no cancel is sent', async ({
  page: kiosk,
  browser
}) => {
  // Two browsers, axe on both: slower than one screen's test on a busy machine.
  test.slow();
  const tablet = await agentTablet(browser);
  // The tablet's announcer is in the page before any call, empty.
  const announcer = tablet.getByTestId('call-announcer');
  await expect(announcer).toHaveAttribute('aria-live', 'polite');
  await expect(announcer).toHaveText('');

  const frames = sentFrames(kiosk);
  await kiosk.clock.install();
  await kiosk.setViewportSize({ width: 1080, height: 1920 });
  await openKiosk(kiosk);
  await kiosk.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await expect(kiosk.locator('.kiosk[data-screen="catalog"]')).toBeVisible();

  // The call panel's live region is there before the call, empty; the call only changes its text.
  const region = kiosk.getByTestId('call-status');
  await expect(region).toHaveAttribute('aria-live', 'polite');
  await expect(region).toHaveText('');
  const regionNode = await region.elementHandle();

  // From here the kiosk's time moves only when the test says so.
  await kiosk.clock.pauseAt(Date.now() + 5000);
  const help = kiosk.getByTestId('help-button');
  await help.tap();
  await expect(kiosk.getByTestId('call-panel')).toHaveAttribute('data-call-status', 'ringing');
  const card = tablet.locator('[data-call]');
  await expect(card).toContainText('Borne de démonstration');
  await expect(announcer).toHaveText('Nouvel appel : Borne de démonstration.');
  // The help button still says what it does: it never turns into a cancel under the finger.
  await expect(help).toHaveAccessibleName('Parler à un agent');

  // The second tap, 300 ms later.
  await kiosk.clock.runFor(300);
  await help.tap();
  // Then the citizen opens a procedure: the kiosk sends that after anything the second tap sent.
  await kiosk.locator('[data-procedure="essai-saisies"]').tap();
  await expect.poll(() => frames.some((f) => f.includes('"session:patch"') && f.includes('essai-saisies'))).toBe(true);
  expect(frames.filter((f) => f.includes('call:cancel'))).toEqual([]);
  expect(frames.filter((f) => f.includes('"call:create"'))).toHaveLength(1);
  await expect(kiosk.getByTestId('call-notice')).toHaveCount(0);
  await expect(kiosk.getByTestId('call-panel')).toHaveAttribute('data-call-status', 'ringing');
  await expect(card).toHaveCount(1);
  await expect(tablet.locator('main')).toHaveAttribute('data-rings', '1');

  // The live region is the same node as before the call, now saying it.
  expect(await regionNode!.evaluate((el) => [el.isConnected, el.textContent?.trim()])).toEqual([
    true,
    'Un agent a été prévenu. Il va venir vers vous.'
  ]);

  // The tablet's list is not live, and the card's seconds counter is in no live region.
  const counter = card.getByText(/^Attend depuis/);
  await expect(counter).toBeVisible();
  const liveAncestor = await counter.evaluate(
    (el) =>
      el.closest(
        '[aria-live]:not([aria-live="off"]), [role="status"], [role="alert"], [role="log"], [role="timer"], [role="marquee"]'
      )?.outerHTML ?? null
  );
  expect(liveAncestor).toBeNull();
  await expectNoAxeViolations(tablet);

  // Two seconds on, a tap counts again: it says the call is already on, seen and heard.
  await kiosk.clock.runFor(2000);
  await spoken(kiosk, 'Votre appel est déjà envoyé', () => help.tap());
  await expect(kiosk.getByTestId('call-notice')).toContainText("Pour l'annuler, touchez « Annuler l'appel » en haut de l'écran.");
  await expect(region).toContainText('Votre appel est déjà envoyé');
  await expect(card).toHaveCount(1);
  // axe itself runs on timers: the kiosk's time flows again.
  await kiosk.clock.resume();
  await expectNoAxeViolations(kiosk);

  // Cancelling is its own button, in the panel at the top, far from the help button.
  const cancel = kiosk.getByTestId('cancel-call');
  await expect(cancel).toHaveAccessibleName("Annuler l'appel");
  const [cancelBox, helpBox] = [await cancel.boundingBox(), await help.boundingBox()];
  expect(helpBox!.y - (cancelBox!.y + cancelBox!.height)).toBeGreaterThan(200);
  await cancel.tap();
  await expect(card).toHaveCount(0);
  await expect(announcer).toHaveText("L'appel de « Borne de démonstration » n'attend plus.");
  await expect(region).toHaveText('Votre appel est annulé.');
  await expect(kiosk.getByTestId('call-panel')).toHaveCount(0);
  expect(frames.filter((f) => f.includes('call:cancel'))).toHaveLength(1);
  await tablet.context().close();
});

test('with « Lire à voix haute » on, each change of the call is spoken: ringing, « Marie arrive », « Marie est avec vous »', async ({
  page: kiosk,
  browser
}) => {
  const tablet = await agentTablet(browser);
  await openKiosk(kiosk);
  await kiosk.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await kiosk.locator('[data-procedure="essai-saisies"]').tap();
  await expect(kiosk.locator('section[data-step]')).toHaveAttribute('data-step', 'nom');
  await spoken(kiosk, 'Votre nom de famille', () => kiosk.getByRole('button', { name: 'Lire à voix haute' }).tap());

  await spoken(kiosk, 'Un agent a été prévenu. Il va venir vers vous.', () => kiosk.getByTestId('help-button').tap());
  const card = tablet.locator('[data-call]');
  await spoken(kiosk, 'Marie arrive et voit cet écran pour vous aider.', () =>
    card.getByRole('button', { name: 'Accepter' }).tap()
  );

  // The agent types a letter: she is working with the citizen, no longer on her way.
  const joined = tablet.getByTestId('joined-session');
  await spoken(kiosk, 'Marie est avec vous et voit cet écran.', () =>
    joined.getByRole('group', { name: 'Clavier' }).getByRole('button', { name: 'm', exact: true }).tap()
  );
  await expect(kiosk.getByTestId('sharing-banner')).toContainText('Marie est avec vous et voit cet écran.');
  await kiosk.getByRole('button', { name: 'Ne plus montrer mon écran' }).tap();
  await expect(joined).toHaveCount(0);
  await tablet.context().close();
});

test('with reading on, « Aucun agent n’est disponible » is spoken when nobody can come', async ({ page: kiosk }) => {
  await openKiosk(kiosk);
  await kiosk.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await expect(kiosk.locator('.kiosk[data-screen="catalog"]')).toBeVisible();
  await spoken(kiosk, 'Que voulez-vous faire', () => kiosk.getByRole('button', { name: 'Lire à voix haute' }).tap());
  await spoken(kiosk, "Aucun agent n'est disponible en ce moment. Allez à l'accueil", () =>
    kiosk.getByTestId('help-button').tap()
  );
  await expect(kiosk.getByTestId('call-panel')).toHaveAttribute('data-call-status', 'unanswered');
  await expect(kiosk.getByTestId('call-status')).toContainText("Aucun agent n'est disponible en ce moment.");
  await expectNoAxeViolations(kiosk);
});

test('« Marie modifie » goes at the citizen’s next change; a help tap with Marie there says she is already there', async ({
  page: kiosk,
  browser
}) => {
  const tablet = await agentTablet(browser);
  await kiosk.clock.install();
  await openKiosk(kiosk);
  await kiosk.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await kiosk.locator('[data-procedure="essai-saisies"]').tap();
  await kiosk.getByTestId('help-button').tap();
  await tablet.locator('[data-call]').getByRole('button', { name: 'Accepter' }).tap();
  const banner = kiosk.getByTestId('sharing-banner');
  await expect(banner).toContainText('Marie arrive et voit cet écran pour vous aider.');

  // Paused: neither the notice's few seconds nor the minute after joining can run out by themselves.
  await kiosk.clock.pauseAt(Date.now() + 5000);
  const joined = tablet.getByTestId('joined-session');
  await joined.getByRole('group', { name: 'Clavier' }).getByRole('button', { name: 'm', exact: true }).tap();
  await expect(kiosk.getByLabel('Votre nom de famille')).toHaveValue('m');
  const focus = kiosk.getByTestId('remote-focus');
  await expect(focus).toHaveText('Marie modifie « Votre nom de famille ».');
  await expect(banner).toContainText('Marie est avec vous et voit cet écran.');

  // The citizen types: Marie's edit is no longer news.
  await kiosk.getByRole('group', { name: 'Clavier' }).getByRole('button', { name: 'a', exact: true }).tap();
  await expect(kiosk.getByLabel('Votre nom de famille')).toHaveValue('ma');
  await expect(focus).toHaveText('');

  // « Parler à un agent » with Marie there: said on screen and aloud (even with reading off).
  await spoken(kiosk, 'Marie est déjà avec vous et voit cet écran.', () => kiosk.getByTestId('help-button').tap());
  await expect(banner.getByTestId('call-notice')).toHaveText('Marie est déjà avec vous et voit cet écran.');
  await expect(kiosk.getByTestId('call-status')).toHaveText('Marie est déjà avec vous et voit cet écran.');
  await kiosk.clock.resume();
  await expectNoAxeViolations(kiosk);
  await kiosk.getByRole('button', { name: 'Ne plus montrer mon écran' }).tap();
  await expect(joined).toHaveCount(0);
  await tablet.context().close();
});
