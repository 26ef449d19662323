/**
 * The heart of Guichet, in two browsers: the citizen calls from the kiosk, the agent's tablet
 * rings once, the agent accepts and joins, both edit the same session, the citizen stops sharing.
 * Then the escalation, with short delays set by the site manager.
 */
import type { Browser, Page } from '@playwright/test';
import {
  demo,
  expect,
  expectNoAxeViolations,
  expectNoHorizontalScroll,
  expectNoHorizontalScrollOnKioskScreens,
  expectTouchTargets,
  loginAs,
  openConsolePage,
  openKiosk,
  test
} from './fixtures';
import { command, staffSocket } from './staff-socket';

async function agentTablet(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 1366 }, hasTouch: true, locale: 'fr-FR' });
  const tablet = await context.newPage();
  await loginAs(tablet, 'agent');
  await expect(tablet.getByRole('heading', { name: `Bonjour ${demo.agent.firstName}` })).toBeVisible();
  await expect(tablet.getByRole('status').filter({ hasText: 'Connecté' })).toBeVisible();
  await expect(tablet.getByText('Aucun appel pour le moment.')).toBeVisible();
  // Availability is the agent's own choice and is kept between logins: start each test available.
  await tablet.getByRole('button', { name: 'Disponible' }).tap();
  await expect(tablet.getByRole('button', { name: 'Disponible' })).toHaveAttribute('aria-pressed', 'true');
  return tablet;
}

/** The manager sets the help-call delays through the real socket command. */
async function setCallDelays(page: Page, widenSeconds: number, giveUpSeconds: number): Promise<void> {
  const manager = await staffSocket(page, 'manager');
  try {
    await command(manager, 'site:call-settings', { widenSeconds, giveUpSeconds });
  } finally {
    manager.disconnect();
  }
}

test('call → ring → accept → “Marie arrive” → both edit → stop sharing', async ({ page: kiosk, browser }) => {
  const tablet = await agentTablet(browser);
  await kiosk.setViewportSize({ width: 1080, height: 1920 });
  await openKiosk(kiosk);
  await kiosk.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await kiosk.locator('[data-procedure="essai-saisies"]').tap();

  // The citizen calls from the step they are on.
  await kiosk.getByRole('button', { name: 'Parler à un agent' }).tap();
  const panel = kiosk.getByTestId('call-panel');
  await expect(panel).toContainText('Un agent a été prévenu');
  await expect(panel).toContainText('1 agent est disponible en ce moment.');
  await expect(kiosk.getByRole('button', { name: "Annuler l'appel" })).toBeVisible();
  await expectNoAxeViolations(kiosk);

  // One ring, one card with where and what.
  const card = tablet.locator('[data-call]');
  await expect(card).toContainText('Borne de démonstration');
  await expect(card).toContainText('Hall, près de l’entrée');
  await expect(card).toContainText('Langue : Français');
  await expect(card).toContainText('Démarche : Essai des saisies — Votre nom de famille');
  await expect(tablet.locator('main')).toHaveAttribute('data-rings', '1');
  await expectNoAxeViolations(tablet);
  await expectTouchTargets(tablet, 48);
  await card.getByRole('button', { name: 'Accepter' }).tap();

  // The kiosk says who is there, and that they see the screen.
  await expect(kiosk.getByTestId('sharing-banner')).toContainText('Marie arrive et voit cet écran pour vous aider.');
  const joined = tablet.getByTestId('joined-session');
  await expect(joined).toContainText("Avec l'usager de la borne « Borne de démonstration »");
  await expect(tablet.locator('[data-call]')).toHaveCount(0);

  // The agent types a name: the kiosk shows it.
  const tabletKeys = joined.getByRole('group', { name: 'Clavier' });
  await tabletKeys.getByRole('button', { name: 'Majuscule' }).tap();
  await tabletKeys.getByRole('button', { name: 'M', exact: true }).tap();
  for (const key of ['a', 'r', 't']) await tabletKeys.getByRole('button', { name: key, exact: true }).tap();
  await expect(kiosk.getByLabel('Votre nom de famille')).toHaveValue('Mart');
  await expect(kiosk.getByTestId('remote-focus')).toContainText('Marie modifie « Votre nom de famille ».');

  // The citizen goes on typing: the agent sees it.
  const kioskKeys = kiosk.getByRole('group', { name: 'Clavier' });
  for (const key of ['i', 'n']) await kioskKeys.getByRole('button', { name: key, exact: true }).tap();
  await expect(joined.getByLabel('Votre nom de famille')).toHaveValue('Martin');
  await expect(joined.getByTestId('remote-focus')).toContainText("L'usager modifie « Votre nom de famille ».");
  await expectNoAxeViolations(tablet);

  // A private answer typed at the kiosk never reaches the tablet.
  await kiosk.getByRole('button', { name: 'Suivant' }).tap();
  await kioskKeys.getByRole('button', { name: 'x', exact: true }).tap();
  await expect(joined.locator('section[data-step]')).toHaveAttribute('data-step', 'code-prive');
  await expect(joined).toContainText("Rempli par l'usager, non affiché (information personnelle)");
  await expect(joined.getByLabel('Un code privé')).toHaveValue('');

  // The agent jumps to the date of birth and types it: the kiosk follows and shows the digits.
  await joined.getByRole('button', { name: '4. Date de naissance' }).tap();
  await expect(kiosk.locator('section[data-step]')).toHaveAttribute('data-step', 'naissance');
  const tabletPad = joined.getByRole('group', { name: 'Chiffres' });
  for (const d of '15031980') await tabletPad.getByRole('button', { name: d, exact: true }).tap();
  await expect(kiosk.getByRole('button', { name: 'Jour' })).toContainText('15');
  await expect(kiosk.getByRole('button', { name: 'Année' })).toContainText('1980');

  // The citizen stops sharing: the agent's view closes at once.
  await kiosk.getByRole('button', { name: 'Ne plus montrer mon écran' }).tap();
  await expect(joined).toHaveCount(0);
  await expect(tablet.getByText("L'usager a arrêté le partage.")).toBeVisible();
  await expect(kiosk.getByTestId('sharing-banner')).toHaveCount(0);
  await tablet.context().close();

  // The site manager reads who accessed the session, and never what was answered.
  const managerContext = await browser.newContext({ locale: 'fr-FR' });
  const manager = await managerContext.newPage();
  await loginAs(manager, 'manager');
  await openConsolePage(manager, 'Données et journal');
  const log = manager.getByTestId('audit-log');
  await expect(log).toContainText("a accepté l'appel");
  await expect(log).toContainText('a modifié une réponse (nom)');
  await expect(log).toContainText('a arrêté le partage');
  await expect(log).not.toContainText('Martin');
  await expectNoAxeViolations(manager);
  await managerContext.close();
});

test('nobody answers: the call widens to busy agents, then the kiosk gives the way to the desk', async ({
  page: kiosk,
  browser
}) => {
  await setCallDelays(kiosk, 5, 10);
  try {
    const tablet = await agentTablet(browser);
    await tablet.getByRole('button', { name: 'Occupé·e' }).tap();
    await expect(tablet.getByRole('button', { name: 'Occupé·e' })).toHaveAttribute('aria-pressed', 'true');
    await openKiosk(kiosk);
    await kiosk.getByRole('button', { name: 'Parler à un agent' }).tap();
    await expect(kiosk.getByTestId('call-panel')).toContainText('Un agent a été prévenu');
    // Busy: not rung at first…
    await expect(tablet.locator('main')).toHaveAttribute('data-rings', '0');
    // …then, after the first delay, rung once with the call widened.
    const card = tablet.locator('[data-call]');
    await expect(card).toContainText("Personne de disponible : appel envoyé à toute l'équipe", { timeout: 10_000 });
    await expect(tablet.locator('main')).toHaveAttribute('data-rings', '1');
    await expect(kiosk.getByTestId('call-panel')).toContainText('Nous prévenons tous les agents');
    // After the second delay: nobody could come; the kiosk says where to go; the card goes.
    const unanswered = kiosk.getByTestId('call-panel').filter({ hasText: "Personne n'a pu venir" });
    await expect(unanswered).toBeVisible({ timeout: 10_000 });
    await expect(unanswered).toContainText("Allez à l'accueil");
    await expect(unanswered).toContainText('Accueil : au rez-de-chaussée, à gauche de l’entrée');
    await expect(card).toHaveCount(0);
    await expect(tablet.locator('main')).toHaveAttribute('data-rings', '1');
    await expectNoAxeViolations(kiosk);
    await tablet.context().close();
  } finally {
    await setCallDelays(kiosk, 45, 120);
  }
});

test('in Arabic: the call panel, the ringing card and the joined session, at touch size and right to left', async ({
  page: kiosk,
  browser
}) => {
  const tablet = await agentTablet(browser);
  await tablet.getByRole('button', { name: 'العربية' }).tap();
  await expect(tablet.locator('html')).toHaveAttribute('dir', 'rtl');
  await kiosk.setViewportSize({ width: 1080, height: 1920 });
  await openKiosk(kiosk);
  await kiosk.getByRole('button', { name: 'العربية' }).first().tap();
  await kiosk.getByRole('button', { name: 'المس الشاشة للبدء' }).tap();
  await kiosk.locator('[data-procedure="essai-saisies"]').tap();
  await kiosk.getByTestId('help-button').tap();
  await expect(kiosk.getByTestId('call-panel')).toContainText('تم إبلاغ موظف');
  await expect(kiosk.getByTestId('cancel-call')).toHaveAccessibleName('إلغاء النداء');
  await expect(kiosk.getByTestId('help-button')).toHaveAccessibleName('التحدث إلى موظف');
  await expectNoAxeViolations(kiosk);
  await expectTouchTargets(kiosk, 48);
  await expectNoHorizontalScrollOnKioskScreens(kiosk);
  await kiosk.setViewportSize({ width: 1080, height: 1920 });

  const card = tablet.locator('[data-call]');
  await expect(card).toContainText('اللغة: العربية');
  await expectNoAxeViolations(tablet);
  await expectTouchTargets(tablet, 48);
  await expectNoHorizontalScroll(tablet);
  await card.getByRole('button', { name: 'قبول' }).tap();

  await expect(kiosk.getByTestId('sharing-banner')).toContainText('Marie');
  await expect(kiosk.getByRole('button', { name: 'أوقف عرض شاشتي' })).toBeVisible();
  await expectNoAxeViolations(kiosk);
  await expectTouchTargets(kiosk, 48);
  const joined = tablet.getByTestId('joined-session');
  await expect(joined).toContainText('مع المواطن عند «Borne de démonstration»');
  await expectNoAxeViolations(tablet);
  await expectTouchTargets(tablet, 48);
  await expectNoHorizontalScroll(tablet);
  await kiosk.getByRole('button', { name: 'أوقف عرض شاشتي' }).tap();
  await expect(joined).toHaveCount(0);
  await tablet.context().close();
});
