/** Data access for `accounts`: agents (PIN) and site managers (password). */
import { sql, type Selectable } from 'kysely';
import type { Executor } from '../db/executor';
import type { AccountsTable } from '../db/schema';
import type { AccountRole } from '../../../shared/identity';

type AccountRow = Selectable<AccountsTable>;

export interface Account {
  id: string;
  siteId: string;
  role: AccountRole;
  login: string;
  firstName: string;
  secretHash: string;
  active: boolean;
  createdAt: string;
  /** How many digits an agent's PIN has (never the PIN); null when not known since it was set. */
  secretLength: number | null;
}

function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    siteId: row.site_id,
    role: row.role,
    login: row.login,
    firstName: row.first_name,
    secretHash: row.secret_hash,
    active: row.active === 1,
    createdAt: row.created_at,
    secretLength: row.secret_length
  };
}

/** A key of our own for PostgreSQL's advisory lock around the first setup ('setu'). */
const setupLock = 0x7365_7475;

export function createAccountsRepository(ex: Executor) {
  const accounts = () => ex.db().selectFrom('accounts').selectAll();
  const one = (row: AccountRow | undefined) => (row ? toAccount(row) : null);
  // Logins compare case-insensitively, ASCII only. The SQLite column is `COLLATE NOCASE`, but the
  // comparison says so itself, to hold on an engine whose column compares bytes: `lower()` folds
  // ASCII only, as NOCASE does.
  const sameLogin = (login: string) => sql<boolean>`lower(login) = lower(${login})`;

  /** The account with this login at this site (logins are unique per site, case-insensitively). */
  const findInSite = async (siteId: string, login: string): Promise<Account | null> =>
    one(await accounts().where('site_id', '=', siteId).where(sameLogin(login)).executeTakeFirst());

  return {
    /** `secretLength` may be left out where it is not known (a hashed secret from elsewhere). */
    async insert(account: Omit<Account, 'secretLength'> & { secretLength?: number | null }): Promise<void> {
      await ex
        .db()
        .insertInto('accounts')
        .values({
          id: account.id,
          site_id: account.siteId,
          role: account.role,
          login: account.login,
          first_name: account.firstName,
          secret_hash: account.secretHash,
          active: account.active ? 1 : 0,
          created_at: account.createdAt,
          secret_length: account.secretLength ?? null
        })
        .execute();
    },
    findById: async (id: string): Promise<Account | null> => one(await accounts().where('id', '=', id).executeTakeFirst()),
    findInSite,
    /**
     * The account a login form names: that site's. Without a site (the form of a server with one
     * site does not ask), the only site's; with several, none: never a guess between sites, and
     * never an answer that says whether another site has this login.
     */
    async findForLogin(siteId: string | undefined, login: string): Promise<Account | null> {
      if (siteId !== undefined) return findInSite(siteId, login);
      // Two rows are enough to know the server has more than one site.
      const sites = await ex.db().selectFrom('sites').select('id').limit(2).execute();
      return sites.length === 1 ? findInSite(sites[0]!.id, login) : null;
    },
    /** Every site's account with this login: for maintenance (the demo's published logins), never for a login form. */
    listByLogin: async (login: string): Promise<Account[]> =>
      (await accounts().where(sameLogin(login)).orderBy('created_at').orderBy('id').execute()).map(toAccount),
    async setActive(id: string, active: boolean): Promise<void> {
      await ex
        .db()
        .updateTable('accounts')
        .set({ active: active ? 1 : 0 })
        .where('id', '=', id)
        .execute();
    },
    async setSecretHash(id: string, secretHash: string, secretLength: number | null): Promise<void> {
      await ex
        .db()
        .updateTable('accounts')
        .set({ secret_hash: secretHash, secret_length: secretLength })
        .where('id', '=', id)
        .execute();
    },
    async setSecretLength(id: string, secretLength: number): Promise<void> {
      await ex.db().updateTable('accounts').set({ secret_length: secretLength }).where('id', '=', id).execute();
    },
    async setFirstName(id: string, firstName: string): Promise<void> {
      await ex.db().updateTable('accounts').set({ first_name: firstName }).where('id', '=', id).execute();
    },
    /** Managers first ('manager' > 'agent'), then by first name as people know each other. */
    listInSite: async (siteId: string): Promise<Account[]> =>
      (
        await accounts()
          .where('site_id', '=', siteId)
          .orderBy('role', 'desc')
          // Case-insensitively, as `COLLATE NOCASE` did; the login (unique in a site, whatever its
          // case) settles the rest.
          .orderBy(sql`lower(first_name)`)
          .orderBy(sql`lower(login)`)
          .execute()
      ).map(toAccount),
    /**
     * The site's active managers, counted and, on PostgreSQL, locked until the transaction ends:
     * another transaction deactivating one of them waits, then finds it changed. On SQLite the
     * transaction already has the store to itself.
     */
    async lockActiveManagers(siteId: string): Promise<number> {
      const query = ex
        .db()
        .selectFrom('accounts')
        .select('id')
        .where('site_id', '=', siteId)
        .where('role', '=', 'manager')
        .where('active', '=', 1)
        .orderBy('id');
      return (await (ex.engine === 'postgres' ? query.forUpdate() : query).execute()).length;
    },
    /**
     * Held until the transaction ends: one first setup of the installation at a time. On
     * PostgreSQL an advisory lock (the check "no manager yet" reads rows that do not exist, so
     * there is no row to lock); on SQLite the transaction already has the store to itself.
     */
    async lockSetup(): Promise<void> {
      if (ex.engine === 'postgres') await sql`SELECT pg_advisory_xact_lock(${setupLock})`.execute(ex.db());
    },
    /** The site's active managers, counted without a lock (a figure, or a check whose write is unique). */
    async countActiveManagers(siteId: string): Promise<number> {
      const row = await ex
        .db()
        .selectFrom('accounts')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('site_id', '=', siteId)
        .where('role', '=', 'manager')
        .where('active', '=', 1)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    /** Whether any manager account exists in the whole installation (active or not). */
    async hasAnyManager(): Promise<boolean> {
      const row = await ex.db().selectFrom('accounts').select('id').where('role', '=', 'manager').limit(1).executeTakeFirst();
      return row !== undefined;
    }
  };
}
