/**
 * Upgrading a database whose sessions were stored before procedures had versions: a session going
 * on (its state and its patches) then names version 1, which is what the catalog files become.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { migrationsDir, openDatabase } from '../db/database';
import type { SessionPatch, SessionState } from '../../../shared/schemas/session';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-procedures-migration-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A folder holding the migrations up to `last` (included). */
function migrationsUpTo(last: number): string {
  const out = path.join(dir, `migrations-${last}`);
  fs.mkdirSync(out);
  for (const file of fs.readdirSync(migrationsDir)) {
    if (Number(file.slice(0, 4)) <= last) fs.copyFileSync(path.join(migrationsDir, file), path.join(out, file));
  }
  return out;
}

it('a session stored before procedure versions names version 1, in its state and in its patches', () => {
  const file = path.join(dir, 'guichet.sqlite');
  const before = openDatabase(file, migrationsUpTo(7));
  before.prepare("INSERT INTO sites (id, name, created_at) VALUES ('s', 'Mairie', '2026-01-05')").run();
  const insertSession = before.prepare(
    "INSERT INTO kiosk_sessions (id, site_id, reference, status, version, state, started_at) VALUES (?, 's', 'REF', 'active', 2, ?, '2026-01-05')"
  );
  const opened = { id: 'a', procedureId: 'changement-adresse', stepId: 'logement', answers: { logement: 'x' } };
  insertSession.run('a', JSON.stringify(opened));
  insertSession.run('b', JSON.stringify({ id: 'b', procedureId: null, stepId: null, answers: {} }));
  const patch = {
    sessionId: 'a',
    version: 1,
    changes: [
      { op: 'locale', locale: 'en' },
      { op: 'open', procedureId: 'changement-adresse', stepId: 'logement' }
    ],
    by: { kind: 'citizen' }
  };
  before
    .prepare("INSERT INTO session_patches (session_id, version, patch, created_at) VALUES ('a', 1, ?, '2026-01-05')")
    .run(JSON.stringify(patch));
  before.close();

  const after = openDatabase(file);
  const state = (id: string) =>
    JSON.parse(after.prepare('SELECT state FROM kiosk_sessions WHERE id = ?').pluck().get(id) as string) as SessionState;
  expect(state('a')).toEqual({ ...opened, procedureVersion: 1 });
  expect(state('b').procedureVersion).toBeNull();
  const migrated = JSON.parse(after.prepare('SELECT patch FROM session_patches').pluck().get() as string) as SessionPatch;
  expect(migrated).toEqual({
    ...patch,
    changes: [
      { op: 'locale', locale: 'en' },
      { op: 'open', procedureId: 'changement-adresse', stepId: 'logement', version: 1 }
    ]
  });
  after.close();
});
