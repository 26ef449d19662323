import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock';
import { openDatabase, type Db } from '../db/database';
import { createSqliteStore, type Store } from '../store';
import { randomUUID } from 'node:crypto';
import { hashSecret } from '../auth/secrets';
import { addSite } from '../testing/fixtures';
import { NetworkGuardError, assertSafeToListen, exposedDemoLogins } from './network-guard';
import { seedDemoIfEmpty } from './seed-demo';

let db: Db;
let store: Store;

beforeEach(async () => {
  db = openDatabase(':memory:');
  store = createSqliteStore(db);
  await seedDemoIfEmpty(store, new ManualClock());
});
afterEach(() => db.close());

describe('network guard', () => {
  it('lets the demo listen on this machine', async () => {
    await expect(assertSafeToListen('127.0.0.1', store)).resolves.toBeUndefined();
    await expect(assertSafeToListen('localhost', store)).resolves.toBeUndefined();
  });

  it('refuses the network while published demo credentials work, and says how to fix it', async () => {
    const error = await assertSafeToListen('0.0.0.0', store).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkGuardError);
    expect((error as Error).message).toContain('marie, karim, gestion');
    expect((error as Error).message).toContain('npm run demo:lock');
  });

  it('counts a server behind a trusted reverse proxy as on the network, even on loopback', async () => {
    const error = await assertSafeToListen('127.0.0.1', store, true).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkGuardError);
    expect((error as Error).message).toContain('behind a reverse proxy (GUICHET_TRUST_PROXY is set)');
    expect((error as Error).message).toContain('npm run demo:lock');
  });

  it('allows the network once each demo account is deactivated or has a new secret', async () => {
    const marie = (await store.accounts.listByLogin('marie'))[0]!;
    const karim = (await store.accounts.listByLogin('karim'))[0]!;
    const gestion = (await store.accounts.listByLogin('gestion'))[0]!;
    await store.accounts.setActive(marie.id, false);
    await store.accounts.setSecretHash(karim.id, await hashSecret('9753'), 4);
    expect(await exposedDemoLogins(store)).toEqual(['gestion']);
    await store.accounts.setSecretHash(gestion.id, await hashSecret('a-new-long-password'), null);
    await expect(assertSafeToListen('0.0.0.0', store)).resolves.toBeUndefined();
    await expect(assertSafeToListen('127.0.0.1', store, true)).resolves.toBeUndefined();
  });

  it("looks at every site: another site's « marie » with the README's PIN is just as open", async () => {
    await store.accounts.setActive((await store.accounts.listByLogin('marie'))[0]!.id, false);
    const other = await addSite(store, new ManualClock(), 'Voisinville');
    const otherMarie = randomUUID();
    await store.accounts.insert({
      ...{ id: otherMarie, siteId: other.siteId, role: 'agent', login: 'marie', firstName: 'Marie', active: true },
      ...{ secretHash: await hashSecret('1234'), createdAt: new Date().toISOString() }
    });
    expect(await exposedDemoLogins(store)).toEqual(['marie', 'karim', 'gestion']);
    await store.accounts.setSecretHash(otherMarie, await hashSecret('8642'), 4);
    expect(await exposedDemoLogins(store)).toEqual(['karim', 'gestion']);
  });

  it('seeds the demo only once', async () => {
    expect(await seedDemoIfEmpty(store, new ManualClock())).toBe(false);
    expect(await store.sites.count()).toBe(1);
  });
});
