/**
 * Each site's procedures: every saved version of each file, exactly as written, and the one version
 * its kiosks offer (or none). The catalog folder is only the seed: a site gets, as version 1, each
 * catalog procedure it does not have yet (published on the demo site; waiting for the manager's
 * review on a real one).
 *
 * A version never changes once saved, so each is parsed once and kept here; a session resolves
 * the exact version it opened, whatever is published since.
 */
import type { Logger } from 'pino';
import { AppError } from '../../../shared/errors';
import { parseProcedure, type ProcedureProblem } from '../../../shared/procedures/parse';
import type { Procedure } from '../../../shared/procedures/schema';
import type { ProcedureListItem, ProcedureValidation, ProcedureVersionView } from '../../../shared/schemas/procedure';
import type { Clock } from '../clock';
import { createKeyedLock } from '../keyed-lock';
import type { ProcedureLookup } from '../sessions/session-ops';
import type { After } from '../events/after';
import type { Store } from '../store';
import type { CatalogEntry } from './catalog';
import type { ProcedureVersion } from './procedure-versions.repository';

export type ProceduresService = ReturnType<typeof createProceduresService>;

/** Reads a file; never throws (a file can be anything a manager picked). */
export function validateProcedure(source: string): ProcedureValidation {
  try {
    return parseProcedure(source);
  } catch (error) {
    // The YAML reader refuses some documents by throwing; too many aliases is an expansion bomb.
    const message = error instanceof Error ? error.message : 'unreadable';
    const code = /excessive alias count/i.test(message) ? 'too_complex' : 'yaml';
    return { ok: false, problems: [{ path: '(file)', line: null, code, params: {}, message }] };
  }
}

export function createProceduresService({
  store,
  clock,
  logger,
  seed,
  publishedChanged,
  check = async (source) => validateProcedure(source)
}: {
  store: Store;
  clock: Clock;
  logger: Logger;
  /**
   * Reads a file a manager sends (validate, save): in a worker thread with a time limit in the
   * server (see app.ts), so a file built to be slow never stalls the hall. Stored versions are read
   * here, once each, when first used (they passed this check when saved).
   */
  check?: (source: string) => Promise<ProcedureValidation>;
  /** The catalog folder's procedures, imported into each site that does not have them yet. */
  seed: CatalogEntry[];
  /** The site's kiosks offer something else now (after the ack): its queues, its kiosks. */
  publishedChanged(siteId: string, procedures: Procedure[]): Promise<void> | void;
}) {
  /**
   * `site id, procedure id, version` → the parsed file (null: it no longer validates). A version
   * never changes once saved (a trigger refuses it), so what is read here is kept for good.
   */
  const versions = new Map<string, Procedure | null>();
  /** Versions looked for and not stored: a session naming one finds nothing, as before. */
  const missing = new Set<string>();
  type Offer = { list: Procedure[]; byId: Map<string, Procedure> };
  /** Site id → what its kiosks offer, in order (dropped when that changes, read again when needed). */
  const offered = new Map<string, Offer>();
  /**
   * Site id → the offer last read, kept while a new one is read: a command that read it first
   * (`ready`) and looks it up after an await still finds it, as if it had run just before the change.
   */
  const lastOffered = new Map<string, Offer>();
  /**
   * Site id → how many times its offer was dropped: a list read while a publish was changing it
   * is not kept (it may be the one from before).
   */
  const offerGeneration = new Map<string, number>();
  /**
   * One publish or withdrawal at a time per site: each reads the procedure, writes, then reads the
   * new offer it announces; interleaved, an announce could carry a list older than the last write.
   */
  const publishing = createKeyedLock();

  const key = (siteId: string, id: string, version: number) => `${siteId}\u0000${id}\u0000${version}`;

  /** The stored file as the kiosks use it: its `version` is the stored version's number. */
  function parsed(row: ProcedureVersion): { procedure: Procedure | null; problems: ProcedureProblem[] } {
    const result = validateProcedure(row.source);
    if (result.ok) return { procedure: { ...result.procedure, version: row.version }, problems: [] };
    return { procedure: null, problems: result.problems };
  }

  /** Reads a version into the cache, once. */
  async function version(siteId: string, id: string, number: number): Promise<Procedure | undefined> {
    const k = key(siteId, id, number);
    if (!versions.has(k)) {
      const row = await store.procedureVersions.find(siteId, id, number);
      if (!row) {
        missing.add(k);
        return undefined;
      }
      if (!versions.has(k)) {
        const { procedure, problems } = parsed(row);
        // Valid when saved; a later change of the format can refuse it. It is then no longer offered.
        if (!procedure) {
          logger.error({ siteId, procedure: id, version: number, problems }, 'stored procedure no longer validates');
        }
        versions.set(k, procedure);
      }
      missing.delete(k);
    }
    return versions.get(k) ?? undefined;
  }

  /** A version already read (see `ready`): the pure session code looks procedures up synchronously. */
  function cachedVersion(siteId: string, id: string, number: number): Procedure | undefined {
    const k = key(siteId, id, number);
    if (versions.has(k)) return versions.get(k) ?? undefined;
    if (missing.has(k)) return undefined;
    throw new Error(`Procedure ${id} version ${number} of site ${siteId} was not read first (procedures.ready)`);
  }

  function cachedOffer(siteId: string): Offer {
    const entry = offered.get(siteId) ?? lastOffered.get(siteId);
    if (!entry) throw new Error(`The procedures offered at site ${siteId} were not read first (procedures.ready)`);
    return entry;
  }

  async function publishedIn(siteId: string): Promise<Offer> {
    let entry = offered.get(siteId);
    if (!entry) {
      const generation = offerGeneration.get(siteId) ?? 0;
      const list: Procedure[] = [];
      for (const p of await store.procedures.listInSite(siteId)) {
        const procedure = p.publishedVersion === null ? undefined : await version(siteId, p.id, p.publishedVersion);
        if (procedure) list.push(procedure);
      }
      entry = { list, byId: new Map(list.map((p) => [p.id, p])) };
      // Dropped meanwhile (a publish): this list may be the old one, the next reader reads again.
      if ((offerGeneration.get(siteId) ?? 0) === generation) {
        offered.set(siteId, entry);
        lastOffered.set(siteId, entry);
      }
    }
    return entry;
  }

  /** What the site's kiosks offer is read again next time (after a publish, an import). */
  function dropOffer(siteId: string): void {
    offered.delete(siteId);
    offerGeneration.set(siteId, (offerGeneration.get(siteId) ?? 0) + 1);
  }

  async function listItem(siteId: string, id: string): Promise<ProcedureListItem> {
    const stored = await store.procedures.find(siteId, id);
    const latest = await store.procedureVersions.latest(siteId, id);
    if (!stored || !latest) throw new AppError('not_found', `No procedure ${id} at this site`);
    return toListItem(siteId, id, stored.publishedVersion, latest);
  }

  async function toListItem(
    siteId: string,
    id: string,
    publishedVersion: number | null,
    latest: ProcedureVersion
  ): Promise<ProcedureListItem> {
    const procedure = await version(siteId, id, latest.version);
    return {
      id,
      title: procedure?.title ?? { fr: id },
      service: procedure?.service ?? '',
      publishedVersion,
      latestVersion: latest.version,
      draft: publishedVersion !== latest.version,
      latestSavedAt: latest.createdAt
    };
  }

  /** One version (the newest by default): the file as written and what it means. */
  async function get(siteId: string, id: string, number?: number): Promise<ProcedureVersionView> {
    const stored = await store.procedures.find(siteId, id);
    const latest = await store.procedureVersions.latest(siteId, id);
    const row = number === undefined ? latest : await store.procedureVersions.find(siteId, id, number);
    if (!stored || !latest || !row) {
      throw new AppError('not_found', number === undefined ? `No procedure ${id} at this site` : `No version ${number} of ${id}`);
    }
    // The parsed version is kept: showing a version never reads its file again.
    const procedure = (await version(siteId, id, row.version)) ?? null;
    const problems = procedure ? [] : parsed(row).problems;
    return {
      id,
      version: row.version,
      source: row.source,
      procedure,
      problems,
      savedAt: row.createdAt,
      savedBy: row.createdBy,
      publishedVersion: stored.publishedVersion,
      latestVersion: latest.version
    };
  }

  async function changed(siteId: string, after: After): Promise<void> {
    dropOffer(siteId);
    // Inside a transaction that then fails, the list read here would not be what is stored.
    store.executor.onRollback(() => dropOffer(siteId));
    const list = (await publishedIn(siteId)).list;
    after(() => {
      // After the ack, outside the command: a failure is logged here, as a broadcast's would be.
      Promise.resolve()
        .then(() => publishedChanged(siteId, list))
        .catch((error: unknown) => logger.error({ err: error, siteId }, 'announcing the new procedures failed'));
    });
  }

  return {
    /** Another node published or withdrew one of the site's procedures: the offer is read again. */
    changedElsewhere(siteId: string): void {
      dropOffer(siteId);
    },

    /** What the site's kiosks offer now, in order. */
    async published(siteId: string): Promise<Procedure[]> {
      return (await publishedIn(siteId)).list;
    },

    /** A stored version, published or not (a session keeps the one it opened). */
    version,

    /**
     * Reads what a session of the site looks up: what its kiosks offer, and each version named (a
     * session state's `procedureId`/`procedureVersion`; entries without one are skipped). Awaited
     * before the session code, which stays synchronous: answers the lookup over what was read (the
     * same as `lookup(siteId)` right after).
     */
    async ready(
      siteId: string,
      needed: Iterable<{ procedureId: string | null; procedureVersion: number | null }> = []
    ): Promise<ProcedureLookup> {
      const offer = await publishedIn(siteId);
      for (const { procedureId, procedureVersion } of needed) {
        if (procedureId !== null && procedureVersion !== null) await version(siteId, procedureId, procedureVersion);
      }
      return {
        version: (id, number) => cachedVersion(siteId, id, number),
        published: (id) => offer.byId.get(id)
      };
    },

    /**
     * How a session of this site finds its procedures, over what `ready` read: synchronous, for
     * the session code that stays pure. A version never read is a mistake of the caller (thrown);
     * versions once read are kept for good, the offer last read is kept until a newer one is read.
     */
    lookup(siteId: string): ProcedureLookup {
      return {
        version: (id, number) => cachedVersion(siteId, id, number),
        published: (id) => cachedOffer(siteId).byId.get(id)
      };
    },

    /**
     * Imports, as version 1, every catalog procedure the site does not have yet: published on the
     * demo site, left for the manager to review and publish on a real one. Returns how many.
     */
    async seedSite(siteId: string): Promise<number> {
      const site = await store.sites.findById(siteId);
      if (!site) return 0;
      const now = clock.now().toISOString();
      const imported = await store.transaction(async () => {
        let count = 0;
        for (const entry of seed) {
          if (await store.procedures.find(siteId, entry.procedure.id)) continue;
          // Saved by a manager meanwhile (PostgreSQL runs that save alongside): theirs stays.
          const inserted = await store.procedures.insertIfAbsent({
            siteId,
            id: entry.procedure.id,
            publishedVersion: site.isDemo ? 1 : null,
            position: await store.procedures.nextPosition(siteId),
            createdAt: now
          });
          if (!inserted) continue;
          await store.procedureVersions.insert({
            siteId,
            procedureId: entry.procedure.id,
            version: 1,
            source: entry.source,
            createdAt: now,
            createdBy: null
          });
          count++;
          // A session may have named this version before it existed.
          store.executor.afterCommit(() => missing.delete(key(siteId, entry.procedure.id, 1)));
        }
        return count;
      });
      dropOffer(siteId);
      return imported;
    },

    async list(siteId: string): Promise<ProcedureListItem[]> {
      const latest = await store.procedureVersions.latestNumbers(siteId);
      const items: ProcedureListItem[] = [];
      for (const p of await store.procedures.listInSite(siteId)) {
        const number = latest.get(p.id);
        const row = number === undefined ? null : await store.procedureVersions.find(siteId, p.id, number);
        if (row) items.push(await toListItem(siteId, p.id, p.publishedVersion, row));
      }
      return items;
    },

    get,

    /**
     * Stores the file as a new version of the procedure its `id` names (a new procedure when the
     * site has none by that id), exactly as written. A file with problems is refused with them,
     * each with its line; a file identical to the newest version is that version.
     */
    /** Checks a file without storing anything. */
    validate: check,

    async save(siteId: string, source: string, by: string): Promise<ProcedureVersionView> {
      const result = await check(source);
      if (!result.ok) {
        throw new AppError(
          'invalid_payload',
          `The procedure file has ${result.problems.length} problem(s): nothing was saved`,
          result.problems.map((p) => ({
            path: p.path,
            line: p.line,
            message: p.message,
            problem: { code: p.code, params: p.params }
          }))
        );
      }
      const id = result.procedure.id;
      const number = await store.transaction(async () => {
        const now = clock.now().toISOString();
        // The procedure's row, made if new, then held: two saves of one procedure (PostgreSQL runs
        // them side by side) read its newest version one after the other, and number theirs apart.
        if (!(await store.procedures.lock(siteId, id))) {
          await store.procedures.insertIfAbsent({
            siteId,
            id,
            publishedVersion: null,
            position: await store.procedures.nextPosition(siteId),
            createdAt: now
          });
          await store.procedures.lock(siteId, id);
        }
        const latest = await store.procedureVersions.latest(siteId, id);
        if (latest?.source === source) return latest.version;
        const next = (latest?.version ?? 0) + 1;
        await store.procedureVersions.insert({ siteId, procedureId: id, version: next, source, createdAt: now, createdBy: by });
        return next;
      });
      // Read once already (in the worker): kept, so showing it does not read it again here.
      // Only once committed: inside a larger transaction that fails, the version was never stored.
      store.executor.afterCommit(() => {
        if (!versions.has(key(siteId, id, number)))
          versions.set(key(siteId, id, number), { ...result.procedure, version: number });
        missing.delete(key(siteId, id, number));
      });
      return get(siteId, id, number);
    },

    /** Puts this version on the site's kiosks (in place of the one they offered). */
    async publish(siteId: string, id: string, number: number, after: After): Promise<ProcedureListItem> {
      return publishing.run(siteId, async () => {
        if (!(await store.procedures.find(siteId, id))) throw new AppError('not_found', `No procedure ${id} at this site`);
        if (!(await store.procedureVersions.find(siteId, id, number))) {
          throw new AppError('not_found', `No version ${number} of ${id}`);
        }
        if (!(await version(siteId, id, number))) {
          throw new AppError('invalid_payload', `Version ${number} of ${id} no longer validates: save a corrected version`, [
            { path: 'version', message: 'this version has problems' }
          ]);
        }
        await store.procedures.setPublished(siteId, id, number);
        await changed(siteId, after);
        return listItem(siteId, id);
      });
    },

    /** Takes it off the site's kiosks; sessions that opened it go on with their version. */
    async unpublish(siteId: string, id: string, after: After): Promise<ProcedureListItem> {
      return publishing.run(siteId, async () => {
        const stored = await store.procedures.find(siteId, id);
        if (!stored) throw new AppError('not_found', `No procedure ${id} at this site`);
        if (stored.publishedVersion !== null) {
          await store.procedures.setPublished(siteId, id, null);
          await changed(siteId, after);
        }
        return listItem(siteId, id);
      });
    }
  };
}
