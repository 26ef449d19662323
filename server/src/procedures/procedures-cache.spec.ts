/**
 * What a session looks up is read first (`ready`), then answered synchronously for the session
 * code, which stays pure; a publish running meanwhile leaves the command with the offer it read.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock';
import { openDatabase, type Db } from '../db/database';
import { createLogger } from '../logger';
import { createSqliteStore, type Store } from '../store';
import { loadCatalog, shippedCatalogDir } from './catalog';
import { createProceduresService, type ProceduresService } from './procedures.service';

let dir: string;
let db: Db;
let store: Store;
let procedures: ProceduresService;
let siteId: string;
const announced: string[][] = [];

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-procedures-cache-'));
  db = openDatabase(path.join(dir, 'guichet.sqlite'));
  store = createSqliteStore(db);
  const clock = new ManualClock(new Date('2026-11-24T08:00:00Z'));
  siteId = randomUUID();
  await store.sites.insert({
    id: siteId,
    name: 'Démoville',
    address: '',
    phone: '',
    timezone: 'Europe/Paris',
    isDemo: true,
    createdAt: clock.now().toISOString()
  });
  announced.length = 0;
  procedures = createProceduresService({
    store,
    clock,
    logger: createLogger('silent'),
    seed: loadCatalog(shippedCatalogDir).entries,
    publishedChanged: (_siteId, list) => {
      announced.push(list.map((p) => p.id));
    }
  });
  await procedures.seedSite(siteId);
});

afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('procedure lookups', () => {
  it('answer what was read first, and say so when nothing was', async () => {
    const id = 'changement-adresse';
    expect(() => procedures.lookup(siteId).published(id)).toThrow(/not read first/);
    expect(() => procedures.lookup(siteId).version(id, 1)).toThrow(/not read first/);

    const lookup = await procedures.ready(siteId, [
      { procedureId: id, procedureVersion: 1 },
      { procedureId: id, procedureVersion: 9 },
      { procedureId: null, procedureVersion: null }
    ]);
    expect(lookup.published(id)?.version).toBe(1);
    expect(lookup.version(id, 1)?.id).toBe(id);
    // A version that does not exist is nothing, as before.
    expect(lookup.version(id, 9)).toBeUndefined();
    expect(procedures.lookup(siteId).version(id, 1)).toBe(lookup.version(id, 1));
    expect(lookup.published('nothing-of-the-kind')).toBeUndefined();
  });

  it('keep the offer read first while a withdrawal changes it; the next read sees the change', async () => {
    const id = 'changement-adresse';
    const lookup = await procedures.ready(siteId);
    const after: (() => void)[] = [];
    const withdrawn = procedures.unpublish(siteId, id, (fn) => after.push(fn));
    // Meanwhile, the command that read first still finds what it read.
    expect(lookup.published(id)?.id).toBe(id);
    expect(procedures.lookup(siteId).published(id)?.id).toBe(id);
    expect((await withdrawn).publishedVersion).toBeNull();
    expect(lookup.published(id)?.id).toBe(id);
    expect(procedures.lookup(siteId).published(id)).toBeUndefined();
    expect((await procedures.ready(siteId)).published(id)).toBeUndefined();
    expect(await procedures.published(siteId)).not.toContainEqual(expect.objectContaining({ id }));

    for (const fn of after) fn();
    await new Promise((resolve) => setImmediate(resolve));
    expect(announced).toHaveLength(1);
    expect(announced[0]).not.toContain(id);
  });

  it('two publishes of one site announce in the order they were written', async () => {
    const a = 'changement-adresse';
    const b = 'acte-etat-civil';
    const after: (() => void)[] = [];
    const collect = (fn: () => void) => after.push(fn);
    await Promise.all([procedures.unpublish(siteId, a, collect), procedures.unpublish(siteId, b, collect)]);
    for (const fn of after) fn();
    await new Promise((resolve) => setImmediate(resolve));
    expect(announced).toHaveLength(2);
    expect(announced[0]).not.toContain(a);
    expect(announced[0]).toContain(b);
    expect(announced[1]).not.toContain(a);
    expect(announced[1]).not.toContain(b);
  });

  it('a saved version is found at once, its file read once', async () => {
    const source = fs.readFileSync(path.join(shippedCatalogDir, 'changement-adresse.yaml'), 'utf8');
    const saved = await procedures.save(siteId, source.replace(/^(title:\s*\n\s*fr:).*$/m, '$1 Déménagement'), 'Alex');
    expect(saved.version).toBe(2);
    expect(procedures.lookup(siteId).version('changement-adresse', 2)?.version).toBe(2);
  });
});
