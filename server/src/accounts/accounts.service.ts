/**
 * A site manager's staff accounts: list, create, rename, deactivate or reactivate, and set a new PIN
 * or password. Everything is scoped to the manager's own site. A site never loses its last active
 * manager: nobody could manage it again without a developer.
 *
 * Account changes go to the server log, not to the audit log: that one records accesses to
 * citizens' sessions (each row names a session), which an account change is not.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AppError } from '../../../shared/errors';
import type { AccountIdentity } from '../../../shared/identity';
import {
  secretSchemaFor,
  type AccountView,
  type accountCreateInput,
  type accountResetSecretInput,
  type accountUpdateInput
} from '../../../shared/schemas/account';
import { parseOrThrow } from '../../../shared/validation';
import { hashSecret } from '../auth/secrets';
import type { Clock } from '../clock';
import { isUniqueViolation } from '../db/errors';
import type { After } from '../events/after';
import type { Store } from '../store';
import type { Account } from './accounts.repository';

export type AccountsService = ReturnType<typeof createAccountsService>;

/** What ending an account's logins means outside the store: its sockets are told and closed. */
export interface LoginsEnded {
  (ended: { account: Account; authSessionIds: string[]; deactivated: boolean }): void;
}

/** What failed logins did to an account, as the login limits know it. */
export interface LoginLocks {
  isLocked(siteId: string, login: string): Promise<boolean>;
  unlock(siteId: string, login: string): Promise<number>;
}

function toAccountView(account: Account, state: { locked: boolean; pinMinLength: number }): AccountView {
  return {
    id: account.id,
    role: account.role,
    login: account.login,
    firstName: account.firstName,
    active: account.active,
    createdAt: account.createdAt,
    locked: state.locked,
    // A PIN set before its length was recorded counts as the shortest a PIN can be (4 digits):
    // under a 6-digit rule the manager is asked to reset it too, until its owner logs in with it.
    pinTooShort: account.role === 'agent' && (account.secretLength ?? 4) < state.pinMinLength
  };
}

function loginTaken(login: string): AppError {
  return new AppError('login_taken', `The login ${login} is already used`, [{ path: 'login', message: 'is already used' }]);
}

/** A PIN shorter than the site requires, named on its field. */
function pinTooShort(minLength: number): AppError {
  return new AppError('pin_too_short', `This site requires PINs of at least ${minLength} digits`, [
    { path: 'secret', message: `at least ${minLength} digits (site rule)` }
  ]);
}

export function createAccountsService({
  store,
  clock,
  logger,
  loginsEnded,
  locks
}: {
  store: Store;
  clock: Clock;
  logger: Logger;
  loginsEnded: LoginsEnded;
  locks: LoginLocks;
}) {
  async function pinMinLength(siteId: string): Promise<number> {
    return (await store.sites.findById(siteId))?.pinMinLength ?? 4;
  }

  async function view(account: Account, minLength?: number): Promise<AccountView> {
    return toAccountView(account, {
      locked: await locks.isLocked(account.siteId, account.login),
      pinMinLength: minLength ?? (await pinMinLength(account.siteId))
    });
  }

  /** Who changed which account, for the server log (never a secret). */
  function trace(manager: AccountIdentity, account: Account, change: string): void {
    logger.info({ siteId: manager.siteId, by: manager.login, account: account.login, role: account.role }, `account ${change}`);
  }

  async function load(siteId: string, accountId: string): Promise<Account> {
    const account = await store.accounts.findById(accountId);
    // Another site's account is answered exactly like one that does not exist.
    if (!account || account.siteId !== siteId) throw new AppError('not_found', `No account ${accountId} at this site`);
    return account;
  }

  async function reload(accountId: string): Promise<Account> {
    const account = await store.accounts.findById(accountId);
    if (!account) throw new Error(`account ${accountId} vanished`);
    return account;
  }

  /** Removes the account's login sessions (all, or all but the caller's own) and says which ones went. */
  async function endLogins(accountId: string, keep: string | null): Promise<string[]> {
    const ids = (await store.authSessions.listIdsForAccount(accountId)).filter((id) => id !== keep);
    for (const id of ids) await store.authSessions.remove(id);
    return ids;
  }

  return {
    async list(siteId: string): Promise<AccountView[]> {
      const minLength = await pinMinLength(siteId);
      const views: AccountView[] = [];
      for (const account of await store.accounts.listInSite(siteId)) views.push(await view(account, minLength));
      return views;
    },

    async create(manager: AccountIdentity, input: z.output<typeof accountCreateInput>): Promise<AccountView> {
      const siteId = manager.siteId;
      // Unique per site only: another site's logins are none of this manager's business, and
      // saying « taken » for them would tell.
      if (await store.accounts.findInSite(siteId, input.login)) throw loginTaken(input.login);
      const minLength = await pinMinLength(siteId);
      if (input.role === 'agent' && input.secret.length < minLength) throw pinTooShort(minLength);
      // Hash first, outside the transaction: it would hold the store for the whole hashing.
      const secretHash = await hashSecret(input.secret);
      const account: Account = {
        id: randomUUID(),
        siteId,
        role: input.role,
        login: input.login,
        firstName: input.firstName,
        secretHash,
        active: true,
        createdAt: clock.now().toISOString(),
        secretLength: input.role === 'agent' ? input.secret.length : null
      };
      try {
        await store.transaction(async () => {
          // Checked again: another manager may have taken the login while the secret was hashed.
          if (await store.accounts.findInSite(siteId, input.login)) throw loginTaken(input.login);
          await store.accounts.insert(account);
        });
      } catch (error) {
        // Or be taking it right now, in a transaction alongside (PostgreSQL): the unique index says so.
        if (isUniqueViolation(error)) throw loginTaken(input.login);
        throw error;
      }
      trace(manager, account, 'created');
      return view(account);
    },

    async update(manager: AccountIdentity, input: z.output<typeof accountUpdateInput>, after: After): Promise<AccountView> {
      // Read, checked and written in one transaction: two managers deactivating each other at the
      // same moment cannot both see another active manager. The site's active managers are counted
      // and held first, before the account is read: on PostgreSQL, where transactions run side by
      // side, the second one waits there for the first to commit, then counts without the manager
      // it deactivated.
      const { account, deactivating, ended, updated } = await store.transaction(async () => {
        const activeManagers = input.active === false ? await store.accounts.lockActiveManagers(manager.siteId) : 0;
        const account = await load(manager.siteId, input.accountId);
        const deactivating = input.active === false && account.active;
        if (deactivating && account.role === 'manager' && activeManagers <= 1) {
          throw new AppError(
            'last_manager',
            account.id === manager.accountId
              ? 'You are the last active manager of this site: create or reactivate another manager first'
              : 'This is the last active manager of this site'
          );
        }
        if (input.firstName !== undefined) await store.accounts.setFirstName(account.id, input.firstName);
        if (input.active !== undefined) await store.accounts.setActive(account.id, input.active);
        const ended = deactivating ? await endLogins(account.id, null) : [];
        return { account, deactivating, ended, updated: await reload(account.id) };
      });
      if (input.active !== undefined && input.active !== account.active)
        trace(manager, updated, input.active ? 'reactivated' : 'deactivated');
      if (input.firstName !== undefined && input.firstName !== account.firstName) trace(manager, updated, 'renamed');
      if (deactivating) after(() => loginsEnded({ account: updated, authSessionIds: ended, deactivated: true }));
      return await view(updated);
    },

    async resetSecret(
      manager: AccountIdentity,
      input: z.output<typeof accountResetSecretInput>,
      after: After
    ): Promise<AccountView> {
      const account = await load(manager.siteId, input.accountId);
      const { secret } = parseOrThrow(z.object({ secret: secretSchemaFor(account.role) }), input, 'account:reset-secret payload');
      const minLength = await pinMinLength(account.siteId);
      if (account.role === 'agent' && secret.length < minLength) throw pinTooShort(minLength);
      const secretHash = await hashSecret(secret);
      let ended: string[] = [];
      await store.transaction(async () => {
        await store.accounts.setSecretHash(account.id, secretHash, account.role === 'agent' ? secret.length : null);
        // Whoever knew the old secret is logged out; a manager changing their own keeps this page.
        ended = await endLogins(account.id, account.id === manager.accountId ? manager.authSessionId : null);
      });
      // Guesses at the old secret mean nothing for the new one: its owner may log in at once.
      await locks.unlock(account.siteId, account.login);
      const updated = await reload(account.id);
      trace(manager, updated, 'given a new secret');
      after(() => loginsEnded({ account: updated, authSessionIds: ended, deactivated: false }));
      return await view(updated);
    },

    /** Lifts what failed logins blocked on this account (from every address), e.g. after an attack. */
    async unlock(manager: AccountIdentity, accountId: string): Promise<AccountView> {
      const account = await load(manager.siteId, accountId);
      if ((await locks.unlock(account.siteId, account.login)) > 0) trace(manager, account, 'unlocked');
      return await view(account);
    }
  };
}
