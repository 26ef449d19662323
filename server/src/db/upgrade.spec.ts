/**
 * Upgrading a town hall's data folder: the store written by an earlier release's own code
 * (fixtures/upgrade-<commit>.sqlite, made by scripts/make-upgrade-fixture.ts) is opened by this
 * version. Its migrations apply after a backup of the store as it was, and what the hall had is
 * still there: the site, the accounts (their PINs still verify), login sessions, the kiosk
 * session with its answers, the ticket and the help call.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { listBackups } from './backup';
import { migrationsDir, openDatabase } from './database';
import { appliedMigrationCount, readMigrations } from './migrate';
import { verifySecret } from '../auth/secrets';
import { hashToken } from '../auth/tokens';
import { createSqliteStore } from '../store';
import { login, startTestServer } from '../testing/test-server';

const fixtures = path.join(import.meta.dirname, 'fixtures');
const releases = fs
  .readdirSync(fixtures)
  .filter((f) => /^upgrade-[0-9a-f]+\.sqlite$/.test(f))
  .map((f) => f.replace(/^upgrade-|\.sqlite$/g, ''));

interface Facts {
  sessionId: string;
  ticketId: string;
  ticketLabel: string;
  callId: string;
  marieToken: string;
  managerToken: string;
  kioskToken: string;
}

let dataDir: string;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-upgrade-'));
});
afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

it('has a fixture of at least one earlier release', () => {
  expect(releases.length).toBeGreaterThan(0);
});

it.each(releases)(
  'opens the data folder of release %s: migrated after a backup, with everything the hall had',
  async (release) => {
    const facts = JSON.parse(fs.readFileSync(path.join(fixtures, `upgrade-${release}.json`), 'utf8')) as Facts;
    const file = path.join(dataDir, 'guichet.sqlite');
    fs.copyFileSync(path.join(fixtures, `upgrade-${release}.sqlite`), file);
    const levelBefore = new Database(file, { readonly: true });
    const from = appliedMigrationCount(levelBefore);
    levelBefore.close();
    const latest = readMigrations(migrationsDir).length;
    expect(from).toBeLessThan(latest);

    // Read through the store alone first: nothing of the running server (purges, expiries) runs.
    const backups = { dir: path.join(dataDir, 'backups'), kept: 7 };
    const db = openDatabase(file, migrationsDir, backups);
    try {
      expect(appliedMigrationCount(db)).toBe(latest);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
      const store = createSqliteStore(db);

      const [site, ...otherSites] = await store.sites.listAll();
      expect(otherSites).toEqual([]);
      expect(site!.name).toBe('Mairie de Démoville');
      const marie = (await store.accounts.findInSite(site!.id, 'marie'))!;
      expect(marie.active).toBe(true);
      expect(await verifySecret(marie.secretHash, '1234')).toBe(true);
      expect(await verifySecret((await store.accounts.findInSite(site!.id, 'gestion'))!.secretHash, 'demoville-gestion')).toBe(
        true
      );
      // Login sessions survived the rebuild of the accounts table (0010).
      expect((await store.authSessions.findByTokenHash(hashToken(facts.marieToken)))?.accountId).toBe(marie.id);
      expect(await store.authSessions.findByTokenHash(hashToken(facts.managerToken))).not.toBeNull();
      expect(await store.terminalTokens.find(hashToken(facts.kioskToken))).not.toBeNull();

      const session = (await store.sessions.findById(facts.sessionId))!;
      expect(session.siteId).toBe(site!.id);
      expect(session.state.procedureId).toBe('changement-adresse');
      expect(session.state.answers).toEqual({ logement: 'locataire' });
      expect((await store.sessionPatches.listAll(facts.sessionId)).length).toBeGreaterThan(0);
      expect((await store.tickets.findById(facts.ticketId))?.label).toBe(facts.ticketLabel);
      const call = db.prepare('SELECT session_id, agent_id FROM help_calls WHERE id = ?').get(facts.callId) as {
        session_id: string;
        agent_id: string;
      };
      expect(call).toEqual({ session_id: facts.sessionId, agent_id: marie.id });
    } finally {
      db.close();
    }

    // The store as the release left it, kept before the first migration ran.
    const [copy, ...others] = listBackups(backups.dir);
    expect(others).toEqual([]);
    const pad = (n: number) => String(n).padStart(4, '0');
    expect(path.basename(copy!)).toMatch(new RegExp(`-m${pad(from)}-before-m${pad(latest)}\\.sqlite$`));
    const kept = new Database(copy!, { readonly: true });
    expect(kept.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(appliedMigrationCount(kept)).toBe(from);
    expect(kept.prepare('SELECT label FROM tickets WHERE id = ?').pluck().get(facts.ticketId)).toBe(facts.ticketLabel);
    kept.close();

    // The server runs on it: the accounts log in with their PINs over HTTP.
    const server = await startTestServer({}, { dataDir });
    try {
      expect(await login(server, 'agent', 'marie', '1234')).toBeTruthy();
      expect(await login(server, 'manager', 'gestion', 'demoville-gestion')).toBeTruthy();
    } finally {
      await server.close({ keepData: true });
    }
    expect(listBackups(backups.dir)).toHaveLength(1);
  }
);
