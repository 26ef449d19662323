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
  publishedChanged(siteId: string, procedures: Procedure[]): void;
}) {
  /** `site id, procedure id, version` → the parsed file (null: it no longer validates). */
  const versions = new Map<string, Procedure | null>();
  /** Site id → what its kiosks offer, in order. */
  const offered = new Map<string, { list: Procedure[]; byId: Map<string, Procedure> }>();

  const key = (siteId: string, id: string, version: number) => `${siteId}\u0000${id}\u0000${version}`;

  /** The stored file as the kiosks use it: its `version` is the stored version's number. */
  function parsed(row: ProcedureVersion): { procedure: Procedure | null; problems: ProcedureProblem[] } {
    const result = validateProcedure(row.source);
    if (result.ok) return { procedure: { ...result.procedure, version: row.version }, problems: [] };
    return { procedure: null, problems: result.problems };
  }

  function version(siteId: string, id: string, number: number): Procedure | undefined {
    const k = key(siteId, id, number);
    if (!versions.has(k)) {
      const row = store.procedureVersions.find(siteId, id, number);
      if (!row) return undefined;
      const { procedure, problems } = parsed(row);
      // Valid when saved; a later change of the format can refuse it. It is then no longer offered.
      if (!procedure) logger.error({ siteId, procedure: id, version: number, problems }, 'stored procedure no longer validates');
      versions.set(k, procedure);
    }
    return versions.get(k) ?? undefined;
  }

  function publishedIn(siteId: string) {
    let entry = offered.get(siteId);
    if (!entry) {
      const list: Procedure[] = [];
      for (const p of store.procedures.listInSite(siteId)) {
        const procedure = p.publishedVersion === null ? undefined : version(siteId, p.id, p.publishedVersion);
        if (procedure) list.push(procedure);
      }
      entry = { list, byId: new Map(list.map((p) => [p.id, p])) };
      offered.set(siteId, entry);
    }
    return entry;
  }

  function listItem(siteId: string, id: string): ProcedureListItem {
    const stored = store.procedures.find(siteId, id);
    const latest = store.procedureVersions.latest(siteId, id);
    if (!stored || !latest) throw new AppError('not_found', `No procedure ${id} at this site`);
    return toListItem(siteId, id, stored.publishedVersion, latest);
  }

  function toListItem(siteId: string, id: string, publishedVersion: number | null, latest: ProcedureVersion): ProcedureListItem {
    const procedure = version(siteId, id, latest.version);
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
  function get(siteId: string, id: string, number?: number): ProcedureVersionView {
    const stored = store.procedures.find(siteId, id);
    const latest = store.procedureVersions.latest(siteId, id);
    const row = number === undefined ? latest : store.procedureVersions.find(siteId, id, number);
    if (!stored || !latest || !row) {
      throw new AppError('not_found', number === undefined ? `No procedure ${id} at this site` : `No version ${number} of ${id}`);
    }
    // The parsed version is kept: showing a version never reads its file again.
    const procedure = version(siteId, id, row.version) ?? null;
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

  function changed(siteId: string, after: After): void {
    offered.delete(siteId);
    const list = publishedIn(siteId).list;
    after(() => publishedChanged(siteId, list));
  }

  return {
    /** What the site's kiosks offer now, in order. */
    published(siteId: string): Procedure[] {
      return publishedIn(siteId).list;
    },

    /** A stored version, published or not (a session keeps the one it opened). */
    version,

    /** How a session of this site finds its procedures. */
    lookup(siteId: string): ProcedureLookup {
      return {
        version: (id, number) => version(siteId, id, number),
        published: (id) => publishedIn(siteId).byId.get(id)
      };
    },

    /**
     * Imports, as version 1, every catalog procedure the site does not have yet: published on the
     * demo site, left for the manager to review and publish on a real one. Returns how many.
     */
    seedSite(siteId: string): number {
      const site = store.sites.findById(siteId);
      if (!site) return 0;
      const now = clock.now().toISOString();
      const imported = store.db.transaction(() => {
        let count = 0;
        for (const entry of seed) {
          if (store.procedures.find(siteId, entry.procedure.id)) continue;
          store.procedures.insert({
            siteId,
            id: entry.procedure.id,
            publishedVersion: site.isDemo ? 1 : null,
            position: store.procedures.nextPosition(siteId),
            createdAt: now
          });
          store.procedureVersions.insert({
            siteId,
            procedureId: entry.procedure.id,
            version: 1,
            source: entry.source,
            createdAt: now,
            createdBy: null
          });
          count++;
        }
        return count;
      })();
      offered.delete(siteId);
      return imported;
    },

    list(siteId: string): ProcedureListItem[] {
      const latest = store.procedureVersions.latestNumbers(siteId);
      return store.procedures.listInSite(siteId).flatMap((p) => {
        const number = latest.get(p.id);
        const row = number === undefined ? null : store.procedureVersions.find(siteId, p.id, number);
        return row ? [toListItem(siteId, p.id, p.publishedVersion, row)] : [];
      });
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
      const number = store.db.transaction(() => {
        const latest = store.procedureVersions.latest(siteId, id);
        if (latest?.source === source) return latest.version;
        const now = clock.now().toISOString();
        if (!store.procedures.find(siteId, id)) {
          store.procedures.insert({
            siteId,
            id,
            publishedVersion: null,
            position: store.procedures.nextPosition(siteId),
            createdAt: now
          });
        }
        const next = (latest?.version ?? 0) + 1;
        store.procedureVersions.insert({ siteId, procedureId: id, version: next, source, createdAt: now, createdBy: by });
        return next;
      })();
      // Read once already (in the worker): kept, so showing it does not read it again here.
      if (!versions.has(key(siteId, id, number))) versions.set(key(siteId, id, number), { ...result.procedure, version: number });
      return get(siteId, id, number);
    },

    /** Puts this version on the site's kiosks (in place of the one they offered). */
    publish(siteId: string, id: string, number: number, after: After): ProcedureListItem {
      if (!store.procedures.find(siteId, id)) throw new AppError('not_found', `No procedure ${id} at this site`);
      if (!store.procedureVersions.find(siteId, id, number)) throw new AppError('not_found', `No version ${number} of ${id}`);
      if (!version(siteId, id, number)) {
        throw new AppError('invalid_payload', `Version ${number} of ${id} no longer validates: save a corrected version`, [
          { path: 'version', message: 'this version has problems' }
        ]);
      }
      store.procedures.setPublished(siteId, id, number);
      changed(siteId, after);
      return listItem(siteId, id);
    },

    /** Takes it off the site's kiosks; sessions that opened it go on with their version. */
    unpublish(siteId: string, id: string, after: After): ProcedureListItem {
      const stored = store.procedures.find(siteId, id);
      if (!stored) throw new AppError('not_found', `No procedure ${id} at this site`);
      if (stored.publishedVersion !== null) {
        store.procedures.setPublished(siteId, id, null);
        changed(siteId, after);
      }
      return listItem(siteId, id);
    }
  };
}
