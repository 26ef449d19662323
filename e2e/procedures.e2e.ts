/**
 * A site manager imports a procedure file with a mistake, is taken to its line, fixes it, previews
 * it as the kiosk shows it (in French, then English and Arabic, without the console changing
 * language), publishes it, and the kiosk already open in the hall shows it without a reload. A
 * citizen who started it keeps that version when the next one is published, reload included.
 */
import { eraseAll, expect, expectNoAxeViolations, loginAs, openConsolePage, openKiosk, test } from './fixtures';

const source = (pictogram: string) => `# Essai du navigateur : une démarche publiée depuis la console.
id: essai-console
version: 1
service: essais-console
pictogram: ${pictogram}
title: { fr: Essai de la console, en: Console trial, ar: تجربة وحدة الإدارة }
summary: { fr: Publiée pendant les tests., en: Published during the tests., ar: نُشرت أثناء الاختبارات. }
steps:
  - id: motif
    kind: question
    type: one_choice
    label: { fr: Pourquoi venez-vous ?, en: Why are you here?, ar: لماذا أتيت؟ }
    choices:
      - { id: papiers, label: { fr: Des papiers, en: Papers, ar: أوراق } }
      - { id: autre, label: { fr: Autre chose, en: Something else, ar: شيء آخر } }
  - id: fin
    kind: review
    title: { fr: Vérifiez, en: Check, ar: راجع }
    nextSteps: { fr: Allez au guichet., en: Go to the counter., ar: توجّه إلى الشباك. }
`;

test('import with a mistake, fix it at its line, preview in each language, publish: the kiosk shows it', async ({
  page,
  context
}) => {
  const kiosk = await context.newPage();
  await openKiosk(kiosk);
  await kiosk.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await expect(kiosk.locator('[data-procedure="carte-identite-passeport"]')).toBeVisible();
  await expect(kiosk.locator('[data-procedure="essai-console"]')).toHaveCount(0);

  await loginAs(page, 'manager');
  await openConsolePage(page, 'Démarches');
  await expect(page.locator('tr[data-procedure="carte-identite-passeport"] td[data-state="published"]')).toBeVisible();
  await expectNoAxeViolations(page);

  // A file with a pictogram that does not exist: the problem names its line and field.
  await page.getByLabel('Importer un fichier').setInputFiles({
    name: 'essai-console.yaml',
    mimeType: 'application/yaml',
    buffer: Buffer.from(source('fusee'))
  });
  const problem = page.getByTestId('procedure-problems').getByRole('button');
  await expect(problem).toHaveText(/^Ligne 5 — pictogram : /);
  await problem.click();
  const editor = page.getByLabel('Contenu du fichier (YAML)');
  await expect(editor).toBeFocused();
  expect(await editor.evaluate((el: HTMLTextAreaElement) => el.value.slice(el.selectionStart, el.selectionEnd))).toBe(
    'pictogram: fusee'
  );
  await expect(page.getByText('Ligne 5 sur 20')).toBeVisible();
  await expect(problem).toHaveText(/^Ligne 5 — pictogram : Valeur inconnue\. Valeurs possibles : id-card, /);

  // Saved anyway: refused, with the same problem said the same way (an edit clears the list first).
  await editor.fill(`${source('fusee')}\n`);
  await expect(page.getByTestId('procedure-problems')).toHaveCount(0);
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await expect(problem).toHaveText(/^Ligne 5 — pictogram : Valeur inconnue\. Valeurs possibles : id-card, /);

  // Fixed in place, checked, previewed.
  await editor.fill(source('documents'));
  await page.getByRole('button', { name: 'Vérifier' }).click();
  await expect(page.getByTestId('procedure-note')).toHaveText('Le fichier est correct : 2 étapes.');
  await page.getByRole('button', { name: 'Aperçu', exact: true }).click();
  const frame = page.frameLocator('[data-testid="procedure-preview-frame"]');
  await expect(frame.locator('[data-procedure="essai-console"]')).toContainText('Essai de la console');
  await page.getByRole('button', { name: 'Écran suivant' }).click();
  await expect(page.getByTestId('preview-position')).toHaveText('Étape 1 sur 2');
  await expect(frame.getByRole('heading', { name: 'Pourquoi venez-vous ?' })).toBeVisible();
  await frame.getByRole('radio', { name: 'Des papiers' }).click();
  await expect(frame.getByRole('radio', { name: 'Des papiers' })).toBeChecked();

  // Each language of the file, in the frame only: the console stays in French.
  const languages = page.getByRole('group', { name: "Langue de l'aperçu" });
  await languages.getByRole('button', { name: 'English' }).click();
  await expect(frame.getByRole('heading', { name: 'Why are you here?' })).toBeVisible();
  await expect(frame.locator('html')).toHaveAttribute('lang', 'en');
  await languages.getByRole('button', { name: 'العربية' }).click();
  await expect(frame.getByRole('heading', { name: 'لماذا أتيت؟' })).toBeVisible();
  await expect(frame.locator('html')).toHaveAttribute('dir', 'rtl');
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  await expect(page.locator('html')).not.toHaveAttribute('dir', 'rtl');
  // The kiosk's own bottom bar is in the frame too, and works there as in the hall: its language
  // buttons (the console's follow), text size, and reading aloud (which the preview does not do).
  const bar = frame.locator('footer.bar');
  await bar.getByRole('button', { name: 'English' }).click();
  await expect(frame.getByRole('heading', { name: 'Why are you here?' })).toBeVisible();
  await expect(languages.getByRole('button', { name: 'English' })).toHaveAttribute('aria-pressed', 'true');
  await bar.getByRole('button', { name: 'A+ Normal text' }).click();
  await expect(frame.locator('div.kiosk')).toHaveClass(/\bsize-1\b/);
  await bar.getByRole('button', { name: 'Read aloud' }).click();
  await expect(
    page.getByText("Sur la borne, ce bouton lit l'écran à voix haute, sans réseau. L'aperçu ne lit rien.")
  ).toBeVisible();
  await bar.getByRole('button', { name: 'العربية' }).click();
  await expect(languages.getByRole('button', { name: 'العربية' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  // The kiosk's own "Suivant" checks the answer as in the hall; the review ends the procedure.
  await frame.getByRole('button', { name: 'التالي' }).click();
  await expect(page.getByTestId('preview-position')).toHaveText('Étape 2 sur 2');
  await expectNoAxeViolations(page);

  // Published: the kiosk that was already open shows it, without a reload.
  await page.getByRole('button', { name: 'Publier' }).click();
  await expect(page.getByTestId('procedure-note')).toHaveText("Version 1 publiée : les bornes l'affichent.");
  await expect(page.locator('tr[data-procedure="essai-console"] td[data-state="published"]')).toHaveText('Publiée (version 1)');
  await expect(kiosk.locator('[data-procedure="essai-console"]')).toContainText('Essai de la console');

  // The console's language did not change for the next page either.
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');

  // A citizen starts it; meanwhile version 2 is published with another question.
  await kiosk.locator('[data-procedure="essai-console"]').tap();
  await expect(kiosk.getByRole('heading', { name: 'Pourquoi venez-vous ?' })).toBeVisible();
  await page.getByRole('button', { name: 'Ouvrir Essai de la console' }).click();
  await page
    .getByLabel('Contenu du fichier (YAML)')
    .fill(source('documents').replace('fr: Pourquoi venez-vous ?', 'fr: Quelle est votre demande ?'));
  await page.getByRole('button', { name: 'Publier' }).click();
  await expect(page.getByTestId('procedure-note')).toHaveText("Version 2 publiée : les bornes l'affichent.");
  // The citizen goes on with the version they started, even after a reload of the kiosk.
  await kiosk.getByRole('radio', { name: 'Autre chose' }).tap();
  await kiosk.reload();
  await expect(kiosk.getByRole('heading', { name: 'Pourquoi venez-vous ?' })).toBeVisible();
  await expect(kiosk.getByRole('radio', { name: 'Autre chose' })).toHaveAttribute('aria-checked', 'true');
  // The next citizen gets version 2.
  await eraseAll(kiosk);
  await kiosk.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await kiosk.locator('[data-procedure="essai-console"]').tap();
  await expect(kiosk.getByRole('heading', { name: 'Quelle est votre demande ?' })).toBeVisible();
  await kiosk.getByRole('button', { name: 'Retour' }).tap();

  // Withdrawn: gone from the kiosk.
  await page.getByRole('button', { name: 'Retirer de la borne' }).click();
  await expect(kiosk.locator('[data-procedure="essai-console"]')).toHaveCount(0);
  await eraseAll(kiosk);
});
