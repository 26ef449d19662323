import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors';
import { formatPairingCode, pairingAlphabet, pairingClaimInput } from '../../../shared/schemas/terminal';
import { ManualClock } from '../clock';
import { openDatabase, type Db } from '../db/database';
import { createSqliteStore, type Store } from '../store';
import { addSite, type SiteFixture } from '../testing/fixtures';
import { TerminalPresence } from '../terminals/terminal-presence';
import { createTerminalsService } from '../terminals/terminals.service';
import { newPairingCode } from './pairing-code';
import { createPairingService, type PairingService } from './pairing.service';

let db: Db;
let store: Store;
let clock: ManualClock;
let site: SiteFixture;
let service: PairingService;
let codes: string[];

beforeEach(async () => {
  db = openDatabase(':memory:');
  store = createSqliteStore(db);
  clock = new ManualClock();
  site = await addSite(store, clock, 'Testville');
  codes = [];
  const terminals = createTerminalsService({ store, clock, presence: new TerminalPresence(), serverVersion: '0.0.0' });
  service = createPairingService({
    store,
    clock,
    terminals,
    pairingMinutes: 10,
    generateCode: () => codes.shift() ?? newPairingCode()
  });
});
afterEach(() => db.close());

describe('pairing codes', () => {
  it('are six characters without look-alikes', () => {
    for (let i = 0; i < 200; i++) {
      const code = newPairingCode();
      expect(code).toMatch(new RegExp(`^[${pairingAlphabet}]{6}$`));
    }
    expect(pairingAlphabet).not.toMatch(/[0O1IL2Z5S8B]/);
    expect(formatPairingCode('ACD347')).toBe('ACD 347');
  });

  it('are accepted as typed: spaces, dashes and lower case', () => {
    const parsed = pairingClaimInput.parse({ code: 'acd-34 7', name: 'Borne' });
    expect(parsed.code).toBe('ACD347');
    expect(pairingClaimInput.safeParse({ code: 'AC0347', name: 'Borne' }).success).toBe(false);
  });
});

describe('pairing service', () => {
  it('pairs once: claim then one delivery of the device token', async () => {
    const { secret, status } = await service.start('kiosk', undefined);
    expect(status.state).toBe('waiting');
    const code = status.state === 'waiting' ? status.code : '';

    expect((await service.poll(secret)).status.state).toBe('waiting');
    const terminal = await service.claim(site.siteId, { code, name: 'Borne du hall', location: 'Entrée' });
    expect(terminal).toMatchObject({ kind: 'kiosk', name: 'Borne du hall', location: 'Entrée' });

    const delivered = await service.poll(secret);
    expect(delivered.status).toEqual({ state: 'paired', terminalName: 'Borne du hall' });
    expect(delivered.deviceToken).toBeTruthy();
    expect((await store.terminals.findById(terminal.id))?.siteId).toBe(site.siteId);

    // Single use: the token is never delivered twice, and the code cannot be claimed again.
    const again = await service.poll(secret);
    expect(again.status.state).toBe('expired');
    expect(again.deviceToken).toBeUndefined();
    await expect(service.claim(site.siteId, { code, name: 'Intrus', location: '' })).rejects.toThrow(AppError);
  });

  it('refuses an expired code and tells the terminal', async () => {
    const { secret, status } = await service.start('display', undefined);
    const code = status.state === 'waiting' ? status.code : '';
    clock.advance(10 * 60_000 + 1);
    await expect(service.claim(site.siteId, { code, name: 'Écran', location: '' })).rejects.toThrow(
      /No terminal is waiting with code/
    );
    expect((await service.poll(secret)).status.state).toBe('expired');
  });

  it('keeps the same code across reloads while it is open, then issues a new one', async () => {
    const first = await service.start('kiosk', undefined);
    const again = await service.start('kiosk', first.secret);
    expect(again.status).toEqual(first.status);
    clock.advance(11 * 60_000);
    const renewed = await service.start('kiosk', first.secret);
    expect(renewed.secret).not.toBe(first.secret);
  });

  it('never gives the same open code to two terminals', async () => {
    codes = ['ACDEFG', 'ACDEFG', 'HJKMNP'];
    const a = (await service.start('kiosk', undefined)).status;
    const b = (await service.start('kiosk', undefined)).status;
    expect(a.state === 'waiting' && a.code).toBe('ACDEFG');
    expect(b.state === 'waiting' && b.code).toBe('HJKMNP');
  });

  it('knows nothing of an unknown secret', async () => {
    expect((await service.poll('made-up')).status).toEqual({ state: 'none' });
    expect((await service.poll(undefined)).status).toEqual({ state: 'none' });
  });
});
