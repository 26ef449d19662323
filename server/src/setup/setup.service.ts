/**
 * First start of a real installation: while no manager account exists at all, the server prints a
 * one-time setup code, and whoever types it into /gestion creates the site and its first manager.
 * Being at the server's console (or reading its log) is what proves the right to set it up.
 *
 * The code lives in memory only, as a SHA-256: nothing about it is written to the database, and a
 * restart prints a new one. That is on purpose: the code is only worth anything while the console
 * that printed it is there, an old log line stops working at the next start, and no stored secret
 * outlives the setup. It is void (and never printed again) as soon as a manager exists.
 */
import { createHash, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../../shared/errors';
import type { SetupInput } from '../../../shared/schemas/account';
import type { SiteSetupInput } from '../../../shared/schemas/operator';
import type { Account } from '../accounts/accounts.repository';
import { CodeThrottle } from './code-throttle';
import { hashSecret } from '../auth/secrets';
import type { Clock } from '../clock';
import type { Store } from '../store';

/** No 0/O, 1/I/L: the code is read off a screen and typed by hand. 31 symbols. */
export const setupCodeAlphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const groups = 3;
const groupLength = 4;
/** Wrong codes share one counter: there is only one code to guess. */
const throttleKey = 'setup';
/** The codes operators hand out for their sites share another counter. */
const siteThrottleKey = 'site-setup';

/** A new code, e.g. `K7QM-3XWD-HP2R`: 12 symbols from crypto randomness (about 59 bits). */
function newSetupCode(): string {
  return Array.from({ length: groups }, () =>
    Array.from({ length: groupLength }, () => setupCodeAlphabet[randomInt(setupCodeAlphabet.length)]).join('')
  ).join('-');
}

/** The form the code is compared in: as the schema leaves it, upper case without spaces or dashes. */
function digest(code: string): Buffer {
  return createHash('sha256').update(code.toUpperCase().replace(/[\s-]/g, '')).digest();
}

export type SetupService = ReturnType<typeof createSetupService>;

export function createSetupService({
  store,
  clock,
  siteCreated,
  siteCodeChanged = () => {}
}: {
  store: Store;
  clock: Clock;
  /** The new site must be served like any other (its queues, …). */
  siteCreated(siteId: string): void | Promise<void>;
  /**
   * A site's code was issued (its digest, hex) or voided (null): with several nodes, the others
   * keep it too, since the manager's browser may reach any of them.
   */
  siteCodeChanged?: (siteId: string, digest: string | null) => void;
}) {
  const throttle = new CodeThrottle(clock);
  let codeHash: Buffer | null = null;
  // Accounts are never deleted: once a manager exists, setup is over for good.
  let done = false;
  /**
   * The setup codes of sites an operator created, by site: in memory only, like the first-start
   * code (a restart voids them; the operator asks for a new one). With several nodes each keeps
   * the digests the others issued (`siteCodeElsewhere`), never the codes.
   */
  const siteCodes = new Map<string, Buffer>();
  const setSiteCode = (siteId: string, hash: Buffer | null) => {
    if (hash) siteCodes.set(siteId, hash);
    else siteCodes.delete(siteId);
    siteCodeChanged(siteId, hash ? hash.toString('hex') : null);
  };

  async function pending(): Promise<boolean> {
    if (!done && (await store.accounts.hasAnyManager())) {
      done = true;
      codeHash = null;
    }
    return !done;
  }

  return {
    /** Whether the installation still waits for its first manager. */
    pending,

    /** A new setup code (the previous one stops working), or null when setup is over. */
    async issueCode(): Promise<string | null> {
      if (!(await pending())) return null;
      const code = newSetupCode();
      codeHash = digest(code);
      return code;
    },

    /**
     * A one-time code for the first manager of a site an operator created (the previous one stops
     * working). The operator hands it over and never learns the manager's password.
     */
    issueSiteCode(siteId: string): string {
      const code = newSetupCode();
      setSiteCode(siteId, digest(code));
      return code;
    },

    /** Voids a site's code (its manager exists, or the operator asked for a new one elsewhere). */
    forgetSiteCode(siteId: string): void {
      setSiteCode(siteId, null);
    },

    /** Another node issued (a digest, hex) or voided (null) a site's code. */
    siteCodeElsewhere(siteId: string, hex: string | null): void {
      if (hex && /^[0-9a-f]{64}$/.test(hex)) siteCodes.set(siteId, Buffer.from(hex, 'hex'));
      else siteCodes.delete(siteId);
    },

    /** Checks an operator's site code, then creates that site's first manager. */
    async completeSite(input: SiteSetupInput): Promise<Account> {
      if (throttle.isBlocked(siteThrottleKey)) {
        throw new AppError('too_many_attempts', 'Too many wrong setup codes: wait 5 minutes');
      }
      const given = digest(input.code);
      // Every code is compared, in constant time each: which site a wrong code is near says nothing.
      let siteId: string | null = null;
      for (const [id, hash] of siteCodes) if (timingSafeEqual(given, hash)) siteId = id;
      if (!siteId) {
        throttle.fail(siteThrottleKey);
        throw new AppError('setup_code_invalid', 'Wrong setup code: type the code the operator gave you', [
          { path: 'code', message: 'is not a setup code of this server' }
        ]);
      }
      const secretHash = await hashSecret(input.password);
      const account: Account = {
        id: randomUUID(),
        siteId,
        role: 'manager',
        login: input.login,
        firstName: input.firstName,
        secretHash,
        active: true,
        createdAt: clock.now().toISOString(),
        secretLength: null
      };
      const target = siteId;
      await store.transaction(async () => {
        // Checked again inside: two requests with the same code cannot both create a manager.
        if (!siteCodes.has(target) || (await store.accounts.countActiveManagers(target)) > 0) {
          throw new AppError('setup_done', 'This site already has its manager: log in as them');
        }
        await store.accounts.insert(account);
        siteCodes.delete(target);
      });
      siteCodeChanged(target, null);
      throttle.succeed(siteThrottleKey);
      return account;
    },

    /** Checks the code, then creates the site and its first manager in one transaction. */
    async complete(input: SetupInput): Promise<Account> {
      if (!(await pending())) throw new AppError('setup_done', 'This installation is already set up: log in as its manager');
      if (throttle.isBlocked(throttleKey)) {
        throw new AppError('too_many_attempts', 'Too many wrong setup codes: wait 5 minutes');
      }
      const given = digest(input.code);
      if (!codeHash || !timingSafeEqual(given, codeHash)) {
        throttle.fail(throttleKey);
        throw new AppError('setup_code_invalid', 'Wrong setup code: type the code the server printed when it started', [
          { path: 'code', message: 'is not the code the server printed' }
        ]);
      }
      // Logins are unique per site and this site is new: no login can be taken in it.
      // Hash first, outside the transaction: it would hold the store for the whole hashing.
      const secretHash = await hashSecret(input.password);
      const now = clock.now().toISOString();
      const siteId = randomUUID();
      const account: Account = {
        id: randomUUID(),
        siteId,
        role: 'manager',
        login: input.login,
        firstName: input.firstName,
        secretHash,
        active: true,
        createdAt: now,
        secretLength: null
      };
      await store.transaction(async () => {
        // Checked again: a second request with the right code may have won while this one hashed,
        // or be in its own transaction right now (PostgreSQL): the lock makes it wait, then see it.
        await store.accounts.lockSetup();
        if (!(await pending())) throw new AppError('setup_done', 'This installation is already set up: log in as its manager');
        await store.sites.insert({
          id: siteId,
          name: input.siteName,
          address: '',
          phone: '',
          timezone: input.timezone,
          isDemo: false,
          createdAt: now
        });
        await store.accounts.insert(account);
      });
      done = true;
      codeHash = null;
      throttle.succeed(throttleKey);
      await siteCreated(siteId);
      return account;
    }
  };
}
