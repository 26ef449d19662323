/**
 * « Agents are not watched » (principle 6) as a tested property: no figure per agent exists — not in
 * the database schema, not in the data a day leaves behind, not in the statistics the console gets,
 * not in their CSV export.
 *
 * 1. The schema: every column that can hold an account (a foreign key to `accounts`, or a name that
 *    says agent, account, actor, user, login, first name, author, « …_by »…) must be in the
 *    allow-list below, with the reason it is there. A new table or column keyed by agent fails here:
 *    add it to the list only with a reason that is not a record of someone's work.
 * 2. A realistic day (two agents answering calls and calling tickets at counters), then every row
 *    of every table is searched for each agent's id, login and first name: they may only be where
 *    the allow-list says, and a finished call keeps no link to its agent.
 * 3. The statistics for that day, as `stats:get` returns them and as the CSV says them, contain no
 *    agent's id, login or first name, and no field about agents.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { rows, snapshot, value } from '../testing/fixtures';
import { ok, openHall, type Hall } from '../testing/hall';
import { playTeamDay, setClock } from '../testing/team-day';
import { command, connect, login, startTestServer, type TestServer } from '../testing/test-server';

/** Columns that may hold an agent's account, login or name, and why. */
const allowedColumns: Record<string, string> = {
  'accounts.id': 'the account itself',
  'accounts.login': 'the account itself: how its owner logs in',
  'accounts.first_name': 'the account itself: shown to citizens when the agent joins',
  'auth_sessions.account_id': 'a login session, deleted when it expires or its owner logs out',
  'agent_presence.account_id': 'what the agent chose now (available, busy, break): no timestamp, no history',
  'help_calls.agent_id': 'the agent joined to a call right now; cleared when the call ends (checked below)',
  'help_calls.target_agent_id': 'the colleague a call is handed to, while it rings; cleared when it ends',
  'help_calls.handover_from': 'the first name shown on a handed-over call while it rings; cleared when it ends',
  'audit_log.account_id': 'who accessed a citizen’s session: what the audit log is for (principle 7)',
  'audit_log.actor_name': 'who accessed a citizen’s session, by name, kept when the account is deleted',
  'login_limits.login':
    'failed login attempts, counted to stop PIN guessing; a correct login gives its attempt back; forgotten within 48 h',
  'procedure_versions.created_by':
    'the manager who saved a version of a procedure (a first name): authorship of the site’s documents, not agents’ work',
  'operators.login': 'the hosting organisation’s operator account itself: how its owner logs in (no site, no agent)',
  'operators.first_name': 'the operator account itself, shown on its console',
  'operator_sessions.operator_id': 'an operator’s login session, deleted when it expires or its owner logs out'
};

/** Where a day's data may mention an agent (id, login or first name), and why. */
const allowedData: Record<string, string> = {
  ...allowedColumns,
  'audit_log.detail': 'to whom a call was handed over (a first name)',
  'login_limits.key': 'the same failed-attempt counters, keyed by site and login (and address)',
  'kiosk_sessions.state': 'the citizen’s session shows the first name of the agent with them; purged with it',
  'session_patches.patch': 'the same session’s changes, each with who made it; purged with the session'
};

const personLike = /(^|_)(agent|account|actor|user|staff|login|first_name|firstname|author|employee|operator|person|by)(_|$)/i;

let server: TestServer;
let hall: Hall;

beforeEach(async () => {
  server = await startTestServer();
  setClock(server, '2026-11-24T07:30:00.000Z');
  hall = await openHall(server);
});
afterEach(async () => {
  await server.close();
});

/** Every table but the migrations' history, with its columns, as the engine describes them. */
const tables = async () =>
  (await server.store.executor.db().introspection.getTables())
    .filter((t) => t.name !== 'schema_migrations')
    .map((t) => ({ name: t.name, columns: t.columns.map((c) => c.name) }));

/** `table.column` of every foreign key to `accounts`. */
async function keysToAccounts(): Promise<string[]> {
  const keys =
    server.store.engine === 'sqlite'
      ? await rows<{ table: string; from: string }>(
          server.store,
          sql`SELECT m.name AS "table", k."from" AS "from" FROM sqlite_master m, pragma_foreign_key_list(m.name) k
               WHERE m.type = 'table' AND k."table" = 'accounts'`
        )
      : await rows<{ table: string; from: string }>(
          server.store,
          sql`SELECT c.conrelid::regclass::text AS "table", a.attname AS "from"
                FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
               WHERE c.contype = 'f' AND c.confrelid = 'accounts'::regclass`
        );
  return keys.map((k) => `${k.table}.${k.from}`);
}

function agents(): Promise<{ id: string; login: string; first_name: string }[]> {
  return rows(server.store, sql`SELECT id, login, first_name FROM accounts WHERE role = 'agent'`);
}

describe('no figure per agent', () => {
  it('the schema has no column that can name an agent outside the allow-list', async () => {
    const found = new Set<string>(await keysToAccounts());
    for (const { name: table, columns } of await tables()) {
      for (const column of columns) {
        if (personLike.test(column) || (table === 'accounts' && ['id', 'login', 'first_name'].includes(column))) {
          found.add(`${table}.${column}`);
        }
      }
    }
    // Nothing new without a reason…
    expect([...found].filter((c) => !(c in allowedColumns)).sort()).toEqual([]);
    // …and no stale reason for a column that is gone.
    const existing = new Set((await tables()).flatMap((table) => table.columns.map((c) => `${table.name}.${c}`)));
    expect(Object.keys(allowedColumns).filter((c) => !existing.has(c))).toEqual([]);
  });

  it('after a day of calls and tickets, agents appear only where allowed, and finished calls keep no agent', async () => {
    await playTeamDay(server, hall);
    const needles = (await agents()).flatMap((a) => [a.id, a.login, a.first_name]);
    expect(needles).toHaveLength(6);
    const seen = new Set<string>();
    const dump = await snapshot(server.store, []);
    for (const { name: table } of await tables()) {
      for (const row of dump[table] as Record<string, unknown>[]) {
        for (const [column, value] of Object.entries(row)) {
          if (value === null || value === undefined) continue;
          const text = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
          if (needles.some((n) => text.includes(n))) seen.add(`${table}.${column}`);
        }
      }
    }
    // The search finds them where they belong (so it would find them elsewhere)…
    expect([...seen]).toEqual(expect.arrayContaining(['accounts.login', 'accounts.first_name', 'audit_log.actor_name']));
    // …and nowhere else.
    expect([...seen].filter((c) => !(c in allowedData))).toEqual([]);
    // The day's calls are all over: none keeps a link to the agent who took it.
    const links = await value(
      server.store,
      sql`SELECT COUNT(*) FROM help_calls WHERE status NOT IN ('ringing', 'accepted')
           AND (agent_id IS NOT NULL OR target_agent_id IS NOT NULL OR handover_from IS NOT NULL)`
    );
    expect(links).toBe(0);
    expect(await value(server.store, sql`SELECT COUNT(*) FROM help_calls WHERE status = 'done'`)).toBe(4);
  });

  it('the statistics and their CSV name no agent, and have no field about agents', async () => {
    await playTeamDay(server, hall);
    const token = await login(server, 'manager', 'gestion', 'demoville-gestion');
    const manager = await connect(server, 'manager', token);
    const report = ok(await command(manager, 'stats:get', { from: '2026-11-24', to: '2026-11-25' }));
    expect(report.total.helpCalls).toBe(5);
    const json = JSON.stringify(report);
    const csv = await (
      await fetch(`${server.url}/api/stats.csv?from=2026-11-24&to=2026-11-25`, {
        headers: { cookie: `guichet_manager=${token}` }
      })
    ).text();
    expect(csv.split('\r\n').length).toBeGreaterThan(3);
    for (const agent of await agents()) {
      for (const needle of [agent.id, agent.login, agent.first_name]) {
        expect(json.toLowerCase()).not.toContain(needle.toLowerCase());
        expect(csv.toLowerCase()).not.toContain(needle.toLowerCase());
      }
    }
    const keys = new Set<string>();
    JSON.stringify(report, (key, value: unknown) => {
      keys.add(key);
      return value;
    });
    expect([...keys].filter((k) => /agent|account|actor|login|counter|person|user/i.test(k))).toEqual([]);
    expect(csv.split('\r\n')[0]).not.toMatch(/agent|compte|guichet_|login|prenom/i);
  });
});
