/**
 * `npm run db:copy -- --from sqlite:PATH|postgres://… --to postgres://…|sqlite:PATH`: moves a
 * hall's store from one engine to the other (or to a new file or database of the same engine).
 *
 * The source is only read, in one snapshot, and never migrated: it must be at exactly this
 * version's migrations (a store from another version is started once with this version first).
 * The target is migrated by this version, must be empty, and is written in one transaction. Before
 * that transaction commits, every table is counted and hashed on both sides by the same function
 * (rows in primary-key order, each canonicalised); any difference rolls the whole copy back.
 *
 * It prints table names, row counts and hashes only: the rows are citizens' data.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { migrationsDir, openDatabase } from '../server/src/db/database';
import { migratePostgres, readMigrations } from '../server/src/db/migrate';

const usage = `Usage: npm run db:copy -- --from SOURCE --to TARGET
  SOURCE, TARGET: sqlite:PATH (a Guichet SQLite file) or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE
  The source is only read; the target is migrated to this version and must be empty.`;

/**
 * Not a hall's data, so never copied: the migrations' record (the target has its own), which
 * node holds which lease (the running nodes' business), the socket.io adapter's transient table.
 */
export const notCopied = ['schema_migrations', 'leases', 'socket_io_attachments'];
const notCopiedSql = notCopied.map((t) => `'${t}'`).join(', ');

/** Rows read and written at a time. */
const batchSize = 500;

export type Location = { engine: 'sqlite'; file: string } | { engine: 'postgres'; url: string };

class UsageError extends Error {}

/** A refusal or a failed check: said to the operator as is, exit code 1. */
class CopyError extends Error {}

/** `sqlite:PATH` or `postgres://…` (`postgresql://` too). */
function parseLocation(text: string): Location {
  if (text.startsWith('sqlite:')) {
    const file = text.slice('sqlite:'.length);
    if (!file) throw new UsageError('sqlite: needs a file path (sqlite:PATH)');
    return { engine: 'sqlite', file: path.resolve(file) };
  }
  if (/^postgres(ql)?:\/\//.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new UsageError('the PostgreSQL URL cannot be read (postgres://USER@HOST:PORT/DATABASE)');
    }
    if (!url.hostname || url.pathname.length <= 1)
      throw new UsageError(`${redact(text)} names no host or no database (postgres://USER@HOST:PORT/DATABASE)`);
    return { engine: 'postgres', url: text };
  }
  throw new UsageError(`${redact(text)} is neither sqlite:PATH nor postgres://…`);
}

/** A location as it may be printed: a PostgreSQL URL's password never is. */
function redact(text: string): string {
  try {
    const url = new URL(text);
    if (url.password) url.password = '***';
    return url.protocol === 'sqlite:' ? text : url.toString();
  } catch {
    // Not a URL we can read: whatever stands between "//user:" and "@" is taken for a password.
    return text.replace(/(\/\/[^/:@]*:)[^@/]*@/, '$1***@');
  }
}

function describeLocation(location: Location): string {
  return location.engine === 'sqlite' ? `sqlite:${location.file}` : redact(location.url);
}

function parseArguments(argv: string[]): { from: Location; to: Location } {
  let from: string | undefined;
  let to: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    if (flag !== '--from' && flag !== '--to') throw new UsageError(`unknown argument ${redact(arg)}`);
    const value = inline ?? argv[++i];
    if (!value) throw new UsageError(`${flag} needs a value`);
    if (flag === '--from') from = value;
    else to = value;
  }
  if (!from || !to) throw new UsageError('both --from and --to are needed');
  const source = parseLocation(from);
  const target = parseLocation(to);
  if (describeLocation(source) === describeLocation(target)) throw new UsageError('the source and the target are the same store');
  return { from: source, to: target };
}

// ---------------------------------------------------------------------------------------------
// Both engines behind one small interface: what tables there are, their rows in key order, writes.

type Value = null | bigint | number | string | Buffer;
type Row = Record<string, Value>;

interface Table {
  name: string;
  /** In the table's own order. */
  columns: string[];
  /** The primary key's columns, in the key's order (all columns for a table without one). */
  key: string[];
  /** Text columns, ordered byte-wise on both engines. */
  textColumns: Set<string>;
  /** Tables this one references (itself excluded). */
  references: string[];
  /** PostgreSQL's identity column, whose sequence follows the copied ids. */
  identity: string | null;
}

interface Side {
  migrationNames(): Promise<string[] | null>;
  tables(): Promise<Table[]>;
  /** The table's rows in primary-key order, a batch at a time; `columns` of the table the copy follows. */
  rows(table: Table): AsyncIterable<Row[]>;
}

interface TargetSide extends Side {
  begin(): Promise<void>;
  insert(table: Table, rows: Row[]): Promise<void>;
  /** After the inserts: identities continue after the copied ids. */
  finishTable(table: Table): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): Promise<void>;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

function orderBy(table: Table, engine: 'sqlite' | 'postgres'): string {
  // Text keys in byte order on both engines (UTF-8's byte order is the code points' order): a
  // PostgreSQL database's collation may be a language's, which would order rows otherwise.
  // On SQLite, BINARY whatever the column declares (it leaves integers as they are); PostgreSQL
  // accepts a collation on text columns only.
  if (engine === 'sqlite') return table.key.map((c) => `${quote(c)} COLLATE BINARY`).join(', ');
  return table.key.map((c) => quote(c) + (table.textColumns.has(c) ? ' COLLATE "C"' : '')).join(', ');
}

function sqliteTables(db: Database.Database): Table[] {
  const names = db
    .prepare(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN (${notCopiedSql}) ORDER BY name`
    )
    .pluck()
    .all() as string[];
  return names.map((name) => {
    const info = db.prepare(`PRAGMA table_info(${quote(name)})`).all() as { name: string; type: string; pk: number }[];
    const key = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
    const foreign = db.prepare(`PRAGMA foreign_key_list(${quote(name)})`).all() as { table: string }[];
    return {
      name,
      columns: info.map((c) => c.name),
      key: (key.length > 0 ? key : info).map((c) => c.name),
      textColumns: new Set(info.filter((c) => /CHAR|CLOB|TEXT/i.test(c.type)).map((c) => c.name)),
      references: [...new Set(foreign.map((f) => f.table))].filter((t) => t !== name),
      identity: null
    };
  });
}

function sqliteSide(db: Database.Database): Side {
  return {
    migrationNames() {
      const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
      if (!exists) return Promise.resolve(null);
      return Promise.resolve(db.prepare('SELECT name FROM schema_migrations ORDER BY version').pluck().all() as string[]);
    },
    tables: () => Promise.resolve(sqliteTables(db)),
    async *rows(table) {
      // Integers as bigint: every one is read exactly, whatever its size.
      const statement = db
        .prepare(`SELECT ${table.columns.map(quote).join(', ')} FROM ${quote(table.name)} ORDER BY ${orderBy(table, 'sqlite')}`)
        .safeIntegers(true);
      let batch: Row[] = [];
      for (const row of statement.iterate() as IterableIterator<Row>) {
        batch.push(row);
        if (batch.length === batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    }
  };
}

/** int8 as bigint (exact), whatever the process-wide parser says. */
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8
      ? (text: string) => BigInt(text)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser
};

async function postgresTables(client: pg.ClientBase): Promise<Table[]> {
  const { rows: columns } = await client.query<{ table: string; column: string; type: string; identity: string }>(
    `SELECT c.table_name AS table, c.column_name AS column, c.data_type AS type, c.is_identity AS identity
     FROM information_schema.columns c
     JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
     WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.table_name NOT IN (${notCopiedSql})
     ORDER BY c.table_name, c.ordinal_position`
  );
  const { rows: keys } = await client.query<{ table: string; column: string }>(
    `SELECT cl.relname AS table, a.attname AS column
     FROM pg_constraint k
     JOIN pg_class cl ON cl.oid = k.conrelid
     CROSS JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS u(attnum, n)
     JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum
     WHERE k.contype = 'p' AND cl.relnamespace = current_schema()::regnamespace
     ORDER BY cl.relname, u.n`
  );
  const { rows: references } = await client.query<{ table: string; parent: string }>(
    `SELECT DISTINCT cl.relname AS table, parent.relname AS parent
     FROM pg_constraint k
     JOIN pg_class cl ON cl.oid = k.conrelid
     JOIN pg_class parent ON parent.oid = k.confrelid
     WHERE k.contype = 'f' AND cl.relnamespace = current_schema()::regnamespace`
  );
  const tables = new Map<string, Table>();
  for (const c of columns) {
    let table = tables.get(c.table);
    if (!table) {
      table = { name: c.table, columns: [], key: [], textColumns: new Set(), references: [], identity: null };
      tables.set(c.table, table);
    }
    table.columns.push(c.column);
    if (c.type === 'text' || c.type === 'character varying' || c.type === 'character') table.textColumns.add(c.column);
    if (c.identity === 'YES') table.identity = c.column;
  }
  for (const k of keys) tables.get(k.table)?.key.push(k.column);
  for (const r of references) if (r.parent !== r.table) tables.get(r.table)?.references.push(r.parent);
  for (const table of tables.values()) if (table.key.length === 0) table.key = [...table.columns];
  return [...tables.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}

function postgresSide(client: pg.ClientBase): Side {
  let cursors = 0;
  return {
    async migrationNames() {
      const { rows } = await client.query<{ exists: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS exists");
      if (!rows[0]!.exists) return null;
      return (await client.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY version')).rows.map(
        (r) => r.name
      );
    },
    tables: () => postgresTables(client),
    async *rows(table) {
      // A cursor in the open transaction: the rows stream from its snapshot, a batch at a time.
      const cursor = `guichet_copy_${++cursors}`;
      await client.query(
        `DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT ${table.columns.map(quote).join(', ')} FROM ${quote(table.name)} ORDER BY ${orderBy(table, 'postgres')}`
      );
      try {
        for (;;) {
          const { rows } = await client.query<Row>(`FETCH ${batchSize} FROM ${cursor}`);
          if (rows.length === 0) break;
          yield rows;
        }
      } finally {
        await client.query(`CLOSE ${cursor}`);
      }
    }
  };
}

// ---------------------------------------------------------------------------------------------
// The check: one function, the same on both sides.

interface TableDigest {
  rows: number;
  sha256: string;
}

/** One value, unambiguously and alike on both engines: null, integer (decimal), text, bytes (hex). */
function canonical(table: string, column: string, value: Value): [string, string] | null {
  if (value === null) return null;
  if (typeof value === 'bigint') return ['i', value.toString()];
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new CopyError(`${table}.${column} holds a value that is not an integer, text or bytes`);
    return ['i', String(value)];
  }
  if (typeof value === 'string') return ['t', value];
  if (Buffer.isBuffer(value)) return ['b', value.toString('hex')];
  throw new CopyError(`${table}.${column} holds a value that is not an integer, text or bytes`);
}

/** Row count and SHA-256 of a table's rows in primary-key order, each row's columns by name. */
async function digestTable(side: Pick<Side, 'rows'>, table: Table): Promise<TableDigest> {
  const hash = createHash('sha256');
  const columns = [...table.columns].sort();
  let rows = 0;
  for await (const batch of side.rows(table)) {
    for (const row of batch) {
      hash.update(JSON.stringify(columns.map((c) => [c, canonical(table.name, c, row[c] ?? null)])));
      hash.update('\n');
      rows++;
    }
  }
  return { rows, sha256: hash.digest('hex') };
}

// ---------------------------------------------------------------------------------------------
// Opening each side.

interface OpenSource extends Side {
  close(): Promise<void>;
}

async function openSource(location: Location): Promise<OpenSource> {
  if (location.engine === 'sqlite') {
    if (!fs.existsSync(location.file)) throw new CopyError(`There is no database at ${location.file}.`);
    const db = new Database(location.file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    // One read transaction, begun by its first read: every table is read from the same snapshot,
    // while a server may still write to the file.
    db.exec('BEGIN');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    const side = sqliteSide(db);
    return {
      ...side,
      close: () => {
        if (db.inTransaction) db.exec('ROLLBACK');
        db.close();
        return Promise.resolve();
      }
    };
  }
  const client = new pg.Client({ connectionString: location.url, types: pgTypes });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  } catch (error) {
    await client.end();
    throw error;
  }
  return {
    ...postgresSide(client),
    close: async () => {
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end();
    }
  };
}

async function openTarget(location: Location): Promise<TargetSide> {
  if (location.engine === 'sqlite') {
    // Migrated as Guichet migrates its store (pragmas, a backup before an upgrade).
    const db = openDatabase(location.file);
    const side = sqliteSide(db);
    const statements = new Map<string, Database.Statement>();
    return {
      ...side,
      begin() {
        db.exec('BEGIN IMMEDIATE');
        // References are checked at COMMIT: the order of the tables then does not matter to them.
        db.pragma('defer_foreign_keys = ON');
        return Promise.resolve();
      },
      insert(table, rows) {
        let statement = statements.get(table.name);
        if (!statement) {
          statement = db.prepare(
            `INSERT INTO ${quote(table.name)} (${table.columns.map(quote).join(', ')}) VALUES (${table.columns.map(() => '?').join(', ')})`
          );
          statements.set(table.name, statement);
        }
        for (const row of rows) statement.run(table.columns.map((c) => row[c] ?? null));
        return Promise.resolve();
      },
      // Its AUTOINCREMENT counters (sqlite_sequence) follow the inserted ids by themselves.
      finishTable: () => Promise.resolve(),
      commit() {
        db.exec('COMMIT');
        return Promise.resolve();
      },
      rollback() {
        if (db.inTransaction) db.exec('ROLLBACK');
        return Promise.resolve();
      },
      close() {
        db.close();
        return Promise.resolve();
      }
    };
  }
  const pool = new pg.Pool({ connectionString: location.url, max: 1, types: pgTypes });
  pool.on('error', () => undefined);
  let client: pg.PoolClient;
  try {
    await migratePostgres(pool, migrationsDir);
    client = await pool.connect();
  } catch (error) {
    await pool.end();
    throw error;
  }
  return {
    ...postgresSide(client),
    async begin() {
      await client.query('BEGIN');
    },
    async insert(table, rows) {
      const width = table.columns.length;
      const values = rows.map((_, r) => `(${table.columns.map((__, c) => `$${r * width + c + 1}`).join(', ')})`);
      const parameters = rows.flatMap((row) =>
        table.columns.map((c) => {
          const value = row[c] ?? null;
          return typeof value === 'bigint' ? value.toString() : value;
        })
      );
      await client.query(
        `INSERT INTO ${quote(table.name)} (${table.columns.map(quote).join(', ')}) VALUES ${values.join(', ')}`,
        parameters
      );
    },
    async finishTable(table) {
      if (!table.identity) return;
      const id = quote(table.identity);
      // An empty table's identity starts at 1 again; otherwise the next id follows the largest.
      await client.query(
        `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT max(${id}) FROM ${quote(table.name)}), 1), (SELECT count(*) > 0 FROM ${quote(table.name)}))`,
        [quote(table.name), table.identity]
      );
    },
    async commit() {
      await client.query('COMMIT');
    },
    async rollback() {
      await client.query('ROLLBACK');
    },
    async close() {
      client.release();
      await pool.end();
    }
  };
}

// ---------------------------------------------------------------------------------------------
// The copy.

/** Tables in an order where each comes after those it references. */
function foreignKeyOrder(tables: Table[]): Table[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: Table[] = [];
  const visit = (table: Table) => {
    if (done.has(table.name)) return;
    if (visiting.has(table.name)) throw new CopyError(`The tables' references form a cycle through ${table.name}`);
    visiting.add(table.name);
    for (const parent of table.references) {
      const p = byName.get(parent);
      if (p) visit(p);
    }
    visiting.delete(table.name);
    done.add(table.name);
    out.push(table);
  };
  for (const table of tables) visit(table);
  return out;
}

interface CopyReport {
  tables: { name: string; rows: number; sha256: string }[];
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

async function copyStore(from: Location, to: Location): Promise<CopyReport> {
  const expected = readMigrations(migrationsDir).map((m) => m.name);
  const source = await openSource(from);
  try {
    const applied = await source.migrationNames();
    if (!applied || !sameList(applied, expected)) {
      const level = applied ? (applied.at(-1) ?? 'no migration') : 'no Guichet store';
      throw new CopyError(
        `The source is at ${level}, this version of Guichet at ${expected.at(-1)}: ` +
          'start this version of Guichet on it once first (it migrates its store), then copy it. The source was not changed.'
      );
    }
    const sourceTables = new Map((await source.tables()).map((t) => [t.name, t]));

    const target = await openTarget(to);
    try {
      // The target's own schema, as this version makes it, says what is copied: a table added by
      // a migration is copied with the others, and one the source lacks is an error.
      const tables = foreignKeyOrder(await target.tables());
      for (const table of tables) {
        const theirs = sourceTables.get(table.name);
        if (!theirs) throw new CopyError(`The source has no table ${table.name}, which this version has: nothing was copied.`);
        if (!sameList([...theirs.columns].sort(), [...table.columns].sort()))
          throw new CopyError(`The source's table ${table.name} does not have this version's columns: nothing was copied.`);
      }
      for (const name of sourceTables.keys())
        if (!tables.some((t) => t.name === name))
          throw new CopyError(`The source has a table ${name} that this version does not know: nothing was copied.`);

      await target.begin();
      try {
        for (const table of tables) {
          for await (const batch of target.rows({ ...table, columns: table.key })) {
            if (batch.length > 0)
              throw new CopyError(
                `The target is not empty (table ${table.name} has rows): a copy only goes into an empty store.`
              );
          }
        }
        for (const table of tables) {
          for await (const batch of source.rows(table)) await target.insert(table, batch);
          await target.finishTable(table);
        }
        const report: CopyReport = { tables: [] };
        for (const table of tables) {
          const ours = await digestTable(source, table);
          const copied = await digestTable(target, table);
          if (ours.rows !== copied.rows || ours.sha256 !== copied.sha256)
            throw new CopyError(
              `Table ${table.name} differs after the copy (source ${ours.rows} rows, ${ours.sha256.slice(0, 12)}; ` +
                `target ${copied.rows} rows, ${copied.sha256.slice(0, 12)}): the copy was rolled back, nothing was written.`
            );
          report.tables.push({ name: table.name, ...ours });
        }
        await target.commit();
        return report;
      } catch (error) {
        await target.rollback();
        throw error;
      }
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

/** Every table's digest, read from one snapshot of a store that is left as it is (for checks). */
export async function digestStore(location: Location): Promise<Map<string, TableDigest>> {
  const store = await openSource(location);
  try {
    const out = new Map<string, TableDigest>();
    for (const table of await store.tables()) out.set(table.name, await digestTable(store, table));
    return out;
  } finally {
    await store.close();
  }
}

export interface Output {
  log(line: string): void;
  error(line: string): void;
}

/** The command: 0 copied, 1 refused or failed (nothing written), 2 bad arguments. */
export async function run(argv: string[], out: Output = console): Promise<number> {
  let locations: { from: Location; to: Location };
  try {
    locations = parseArguments(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    out.error(`db:copy: ${error.message}\n${usage}`);
    return 2;
  }
  const { from, to } = locations;
  try {
    const report = await copyStore(from, to);
    const width = Math.max(...report.tables.map((t) => t.name.length));
    out.log(`Copied ${describeLocation(from)} to ${describeLocation(to)}:`);
    for (const t of report.tables)
      out.log(`  ${t.name.padEnd(width)}  ${String(t.rows).padStart(8)} rows  sha256 ${t.sha256.slice(0, 16)}`);
    out.log(
      `The source still holds all this data (citizens' data among it): once the new store is in service, ` +
        `erase ${describeLocation(from)} as you erase any store.`
    );
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Whatever an error says, a password from the arguments never reaches the terminal.
    const passwords = [from, to].flatMap((l) => (l.engine === 'postgres' ? [passwordOf(l.url)] : [])).filter(Boolean);
    let said = message;
    for (const p of passwords) said = said.replaceAll(p!, '***');
    out.error(`db:copy: ${error instanceof CopyError ? '' : 'failed: '}${said}`);
    return 1;
  }
}

function passwordOf(url: string): string | null {
  try {
    const password = new URL(url).password;
    return password ? decodeURIComponent(password) : null;
  } catch {
    return null;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  run(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`db:copy: failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    }
  );
}
