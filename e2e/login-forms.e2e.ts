/**
 * The login and first-start forms are real forms that POST: pressed before the page's scripts
 * run (a slow tablet) or with JavaScript off, they still log in, and neither the login nor the PIN,
 * password or setup code ever appears in a URL (history, proxy logs). With several sites on one
 * server, the form asks for the site once per device.
 */
import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { hashSecret } from '../server/src/auth/secrets';
import { systemClock } from '../server/src/clock';
import { openDatabase } from '../server/src/db/database';
import { seedDemoIfEmpty } from '../server/src/demo/seed-demo';
import { createSqliteStore } from '../server/src/store';
import { addSite } from '../server/src/testing/fixtures';
import { baseURL } from './playwright.config';
import { demo, expect, expectNoAxeViolations, test } from './fixtures';

const root = path.resolve(import.meta.dirname, '..');

/** A browser without JavaScript that records every request and every page it lands on. */
async function withoutScripts(browser: Browser, base: string): Promise<{ context: BrowserContext; page: Page; seen: string[] }> {
  const context = await browser.newContext({ baseURL: base, locale: 'fr-FR', javaScriptEnabled: false });
  const seen: string[] = [];
  context.on('request', (r) => seen.push(`${r.method()} ${r.url()}`));
  const page = await context.newPage();
  page.on('framenavigated', (f) => seen.push(`NAV ${f.url()}`));
  return { context, page, seen };
}

function expectNoSecretInUrls(seen: string[], secrets: string[]): void {
  for (const line of seen) {
    const url = decodeURIComponent(line.slice(line.indexOf(' ') + 1));
    for (const secret of secrets) expect(url, `a URL carried ${secret}`).not.toContain(secret);
    expect(url).not.toMatch(/[?&](login|pin|secret|password|code)=/);
  }
}

test.describe('without JavaScript', () => {
  test('an agent logs in by a POSTed form: nothing typed appears in any URL', async ({ browser }) => {
    const { context, page, seen } = await withoutScripts(browser, baseURL);
    await page.goto('/agent');
    await page.getByLabel('Identifiant').fill(demo.agent.login);
    await page.getByLabel('Code PIN').fill(demo.agent.secret);
    await page.getByRole('button', { name: 'Se connecter' }).click();

    await expect(page.getByRole('heading', { name: `Bonjour ${demo.agent.firstName}` })).toBeVisible();
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/agent');
    expect(seen).toContain(`POST ${baseURL}/api/auth/login`);
    expect(seen.some((l) => l.startsWith('GET ') && l.includes('/api/auth/login'))).toBe(false);
    expectNoSecretInUrls(seen, [demo.agent.login, demo.agent.secret]);
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'guichet_agent')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    await context.close();
  });

  test('a wrong PIN comes back as the French error, with only its code in the URL', async ({ browser }) => {
    const { context, page, seen } = await withoutScripts(browser, baseURL);
    await page.goto('/agent');
    await page.getByLabel('Identifiant').fill(demo.agent.login);
    await page.getByLabel('Code PIN').fill('9999');
    await page.getByRole('button', { name: 'Se connecter' }).click();

    await expect(page.getByRole('alert')).toHaveText('Identifiant ou code incorrect.');
    expect(page.url()).toBe(`${baseURL}/agent?erreur=login_failed`);
    expect(seen).toContain(`POST ${baseURL}/api/auth/login`);
    expectNoSecretInUrls(seen, [demo.agent.login, '9999']);
    expect((await context.cookies()).some((c) => c.name === 'guichet_agent')).toBe(false);
    await context.close();
  });

  test('a manager logs in by a POSTed form and lands in the console', async ({ browser }) => {
    const { context, page, seen } = await withoutScripts(browser, baseURL);
    await page.goto('/gestion');
    await page.getByLabel('Identifiant').fill(demo.manager.login);
    await page.getByLabel('Mot de passe').fill(demo.manager.secret);
    await page.getByRole('button', { name: 'Se connecter' }).click();

    await expect(page.getByRole('heading', { name: 'Gestion du site' })).toBeVisible();
    expect(page.url()).toBe(`${baseURL}/gestion`);
    expect(seen).toContain(`POST ${baseURL}/api/auth/login`);
    // The login « gestion » is also the page's path: it must only be absent from every query.
    expectNoSecretInUrls(seen, [demo.manager.secret]);
    expect(seen.filter((l) => new URL(l.slice(l.indexOf(' ') + 1)).search.includes(demo.manager.login))).toEqual([]);
    expect((await context.cookies()).some((c) => c.name === 'guichet_manager')).toBe(true);
    await context.close();
  });

  test('a URL crafted with the login and PIN logs nobody in and is cleaned', async ({ browser }) => {
    const { context, page } = await withoutScripts(browser, baseURL);
    await page.goto(`/agent?login=${demo.agent.login}&pin=${demo.agent.secret}`);
    expect(page.url()).toBe(`${baseURL}/agent`);
    await expect(page.getByRole('heading', { name: 'Connexion agent' })).toBeVisible();
    expect((await context.cookies()).some((c) => c.name === 'guichet_agent')).toBe(false);
    await context.close();
  });
});

test('the login forms are what the server renders: POST, right autocomplete, numeric PIN, and pass axe', async ({ page }) => {
  await page.goto('/agent');
  const form = page.locator('form');
  await expect(form).toHaveAttribute('method', 'post');
  await expect(form).toHaveAttribute('action', '/api/auth/login');
  await expect(page.getByLabel('Identifiant')).toHaveAttribute('autocomplete', 'username');
  await expect(page.getByLabel('Code PIN')).toHaveAttribute('autocomplete', 'current-password');
  await expect(page.getByLabel('Code PIN')).toHaveAttribute('inputmode', 'numeric');
  await expectNoAxeViolations(page);

  // The error a failed login without scripts comes back with.
  await page.goto('/agent?erreur=login_failed');
  await expect(page.getByRole('alert')).toHaveText('Identifiant ou code incorrect.');
  await expectNoAxeViolations(page);
  // With scripts, logging in from there drops the error from the URL.
  await page.getByLabel('Identifiant').fill(demo.agent.login);
  await page.getByLabel('Code PIN').fill(demo.agent.secret);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page.getByRole('heading', { name: `Bonjour ${demo.agent.firstName}` })).toBeVisible();
  await expect(page).toHaveURL(`${baseURL}/agent`);

  await page.goto('/gestion');
  await expect(page.locator('form')).toHaveAttribute('method', 'post');
  await expect(page.getByLabel('Mot de passe')).toHaveAttribute('autocomplete', 'current-password');
  await expectNoAxeViolations(page);
});

/** A server of its own on a prepared data folder, like a second installation. */
async function ownServer(
  port: number,
  env: Record<string, string>,
  prepare: (dataDir: string) => Promise<void>
): Promise<{ url: string; output: () => string; stop: () => Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-e2e-forms-'));
  await prepare(dataDir);
  let output = '';
  const server: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    cwd: root,
    env: { ...process.env, GUICHET_PORT: String(port), GUICHET_DATA_DIR: dataDir, GUICHET_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  server.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  server.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  // A deadline, not a timing: compiled on the fly (tsx) while other workers run browsers on a
  // two-core machine, a server has been seen to take over 30 s to answer.
  try {
    await expect
      .poll(
        () =>
          fetch(`${url}/healthz`).then(
            (r) => r.status,
            () => 0
          ),
        { timeout: 75_000 }
      )
      .toBe(200);
  } catch (error) {
    server.kill('SIGKILL');
    throw new Error(`the server of its own did not answer /healthz; it wrote:\n${output}`, { cause: error });
  }
  return {
    url,
    output: () => output,
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.once('exit', () => resolve());
        server.kill('SIGTERM');
      });
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  };
}

test('with two sites, each « marie » logs in at her own site, and the device remembers it', async ({ browser }) => {
  test.setTimeout(150_000);
  let otherSiteId = '';
  const server = await ownServer(Number(process.env.GUICHET_E2E_PORT ?? 3917) + 21, {}, async (dataDir) => {
    const db = openDatabase(path.join(dataDir, 'guichet.sqlite'));
    const store = createSqliteStore(db);
    await seedDemoIfEmpty(store, systemClock);
    const other = await addSite(store, systemClock, 'Mairie de Voisinville');
    otherSiteId = other.siteId;
    // Voisinville's own « marie », with her own PIN: the demo site has one too.
    await store.accounts.insert({
      id: randomUUID(),
      siteId: other.siteId,
      role: 'agent',
      login: 'marie',
      firstName: 'Mariette',
      secretHash: await hashSecret('5678'),
      active: true,
      createdAt: new Date().toISOString()
    });
    db.close();
  });
  try {
    const { context, page, seen } = await withoutScripts(browser, server.url);
    await page.goto('/agent');
    const site = page.getByLabel('Site');
    await expect(site.locator('option')).toHaveText(['Choisissez votre site', 'Mairie de Démoville', 'Mairie de Voisinville']);
    // No site chosen: the form asks for it.
    await page.getByLabel('Identifiant').fill('marie');
    await page.getByLabel('Code PIN').fill('5678');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await expect(page.getByRole('alert')).toHaveText('Choisissez votre site');

    // Voisinville's marie, with the demo's PIN: refused like any unknown login.
    await site.selectOption({ label: 'Mairie de Voisinville' });
    await page.getByLabel('Identifiant').fill('marie');
    await page.getByLabel('Code PIN').fill('1234');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await expect(page.getByRole('alert')).toHaveText('Identifiant ou code incorrect.');

    await page.getByLabel('Site').selectOption({ label: 'Mairie de Voisinville' });
    await page.getByLabel('Identifiant').fill('marie');
    await page.getByLabel('Code PIN').fill('5678');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await expect(page.getByRole('heading', { name: 'Bonjour Mariette' })).toBeVisible();
    expectNoSecretInUrls(seen, ['marie', '5678', '1234']);

    // The next login form on this device already names Voisinville.
    await page.goto('/gestion');
    await expect(page.getByLabel('Site')).toHaveValue(otherSiteId);
    await context.close();

    // With scripts: the demo's marie at the demo site, and the form with its site list passes axe.
    const withScripts = await browser.newContext({ baseURL: server.url, locale: 'fr-FR' });
    const jsPage = await withScripts.newPage();
    await jsPage.goto('/agent');
    await expectNoAxeViolations(jsPage);
    await jsPage.getByLabel('Identifiant').fill('marie');
    await jsPage.getByLabel('Code PIN').fill('1234');
    await jsPage.getByRole('button', { name: 'Se connecter' }).click();
    await expect(jsPage.getByRole('alert')).toHaveText('Choisissez votre site');
    await expect(jsPage.getByLabel('Site')).toBeFocused();
    await jsPage.getByLabel('Site').selectOption({ label: 'Mairie de Démoville' });
    await jsPage.getByLabel('Identifiant').fill('marie');
    await jsPage.getByLabel('Code PIN').fill('1234');
    await jsPage.getByRole('button', { name: 'Se connecter' }).click();
    await expect(jsPage.getByRole('heading', { name: 'Bonjour Marie' })).toBeVisible();
    await expect(jsPage.getByText('Mairie de Démoville')).toBeVisible();
    await withScripts.close();
  } finally {
    await server.stop();
  }
});

test('without JavaScript, the first-start form POSTs: errors come back by code, the console opens', async ({ browser }) => {
  test.setTimeout(150_000);
  const server = await ownServer(Number(process.env.GUICHET_E2E_PORT ?? 3917) + 22, { GUICHET_DEMO: '0' }, async () => {});
  try {
    await expect
      .poll(() => /Setup code \(first manager account\): (\S+)/.exec(server.output())?.[1] ?? '', { timeout: 30_000 })
      .not.toBe('');
    const code = /Setup code \(first manager account\): (\S+)/.exec(server.output())![1]!;
    const { context, page, seen } = await withoutScripts(browser, server.url);
    const fill = async (again: string) => {
      await page.getByLabel('Nom du site').fill('Mairie de Sans-Script');
      await page.getByLabel('Votre prénom').fill('Inès');
      await page.getByLabel('Votre identifiant').fill('ines');
      await page.getByLabel('Mot de passe', { exact: true }).fill('mot-de-passe-ines');
      await page.getByLabel('Confirmez le mot de passe').fill(again);
      await page.getByLabel("Code d'installation").fill(code);
    };
    await page.goto('/gestion');
    await fill('un-autre-mot-de-passe');
    await page.getByRole('button', { name: 'Créer le site et mon compte' }).click();
    await expect(page.getByRole('alert')).toHaveText('Le formulaire contient des erreurs : corrigez les champs indiqués.');
    await expect(page.getByText('Les deux mots de passe ne sont pas identiques.')).toBeVisible();
    await expect(page.getByLabel('Confirmez le mot de passe')).toHaveAttribute('aria-invalid', 'true');

    await fill('mot-de-passe-ines');
    await page.getByRole('button', { name: 'Créer le site et mon compte' }).click();
    await expect(page.getByRole('heading', { name: 'Gestion du site' })).toBeVisible();
    await expect(page.getByRole('banner')).toContainText('Mairie de Sans-Script');
    expect(seen.filter((l) => l.startsWith('POST ')).map((l) => l.slice(5))).toEqual([
      `${server.url}/api/setup`,
      `${server.url}/api/setup`
    ]);
    expectNoSecretInUrls(seen, ['mot-de-passe-ines', code, 'ines']);
    await context.close();
  } finally {
    await server.stop();
  }
});
