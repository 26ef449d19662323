/** Data access for `accounts`: agents (PIN) and site managers (password). */
import type { Db } from '../db/database';
import type { AccountRole } from '../../../shared/identity';

interface AccountRow {
  id: string;
  site_id: string;
  role: AccountRole;
  login: string;
  first_name: string;
  secret_hash: string;
  active: number;
  created_at: string;
  secret_length: number | null;
}

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

export function createAccountsRepository(db: Db) {
  const insert = db.prepare(
    'INSERT INTO accounts (id, site_id, role, login, first_name, secret_hash, active, created_at, secret_length) VALUES (@id, @siteId, @role, @login, @firstName, @secretHash, @active, @createdAt, @secretLength)'
  );
  const byId = db.prepare('SELECT * FROM accounts WHERE id = ?');
  const bySiteLogin = db.prepare('SELECT * FROM accounts WHERE site_id = ? AND login = ?');
  // Two rows are enough to know the server has more than one site.
  const firstSites = db.prepare('SELECT id FROM sites LIMIT 2').pluck();
  const allByLogin = db.prepare('SELECT * FROM accounts WHERE login = ? ORDER BY created_at, id');
  const setActive = db.prepare('UPDATE accounts SET active = ? WHERE id = ?');
  const setSecret = db.prepare('UPDATE accounts SET secret_hash = ?, secret_length = ? WHERE id = ?');
  const setSecretLength = db.prepare('UPDATE accounts SET secret_length = ? WHERE id = ?');
  const setFirstName = db.prepare('UPDATE accounts SET first_name = ? WHERE id = ?');
  // Managers first ('manager' > 'agent'), then by first name as people know each other.
  const inSite = db.prepare('SELECT * FROM accounts WHERE site_id = ? ORDER BY role DESC, first_name COLLATE NOCASE, login');
  const activeManagers = db
    .prepare("SELECT COUNT(*) FROM accounts WHERE site_id = ? AND role = 'manager' AND active = 1")
    .pluck();
  const anyManager = db.prepare("SELECT EXISTS (SELECT 1 FROM accounts WHERE role = 'manager')").pluck();

  return {
    /** `secretLength` may be left out where it is not known (a hashed secret from elsewhere). */
    insert(account: Omit<Account, 'secretLength'> & { secretLength?: number | null }): void {
      insert.run({ ...account, secretLength: account.secretLength ?? null, active: account.active ? 1 : 0 });
    },
    findById(id: string): Account | null {
      const row = byId.get(id) as AccountRow | undefined;
      return row ? toAccount(row) : null;
    },
    /** The account with this login at this site (logins are unique per site, case-insensitively). */
    findInSite(siteId: string, login: string): Account | null {
      const row = bySiteLogin.get(siteId, login) as AccountRow | undefined;
      return row ? toAccount(row) : null;
    },
    /**
     * The account a login form names: that site's. Without a site (the form of a server with one
     * site does not ask), the only site's; with several, none: never a guess between sites, and
     * never an answer that says whether another site has this login.
     */
    findForLogin(siteId: string | undefined, login: string): Account | null {
      if (siteId !== undefined) return this.findInSite(siteId, login);
      const sites = firstSites.all() as string[];
      return sites.length === 1 ? this.findInSite(sites[0]!, login) : null;
    },
    /** Every site's account with this login: for maintenance (the demo's published logins), never for a login form. */
    listByLogin(login: string): Account[] {
      return (allByLogin.all(login) as AccountRow[]).map(toAccount);
    },
    setActive(id: string, active: boolean): void {
      setActive.run(active ? 1 : 0, id);
    },
    setSecretHash(id: string, secretHash: string, secretLength: number | null): void {
      setSecret.run(secretHash, secretLength, id);
    },
    setSecretLength(id: string, secretLength: number): void {
      setSecretLength.run(secretLength, id);
    },
    setFirstName(id: string, firstName: string): void {
      setFirstName.run(firstName, id);
    },
    listInSite(siteId: string): Account[] {
      return (inSite.all(siteId) as AccountRow[]).map(toAccount);
    },
    countActiveManagers(siteId: string): number {
      return activeManagers.get(siteId) as number;
    },
    /** Whether any manager account exists in the whole installation (active or not). */
    hasAnyManager(): boolean {
      return anyManager.get() === 1;
    }
  };
}
