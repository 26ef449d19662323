/**
 * What the manager console sends and gets about the site's procedures: the files as written, each
 * saved version kept, one of them published on the kiosks (or none).
 */
import { z } from '../zod';
import type { ProcedureProblem } from '../procedures/parse';
import type { LocalizedText, Procedure } from '../procedures/schema';

/** A procedure file is a few kilobytes; this leaves room for long explanations in many languages. */
const maxProcedureSourceLength = 200_000;

const procedureId = z.string().min(1).max(48);
const version = z.number().int().min(1).max(1_000_000);
const source = z
  .string()
  .min(1, 'the file is empty')
  .max(maxProcedureSourceLength, `a procedure file is at most ${maxProcedureSourceLength / 1000} kB`);

export const procedureGetInput = z.object({ id: procedureId, version: version.optional() }).strict();
export const procedureSourceInput = z.object({ source }).strict();
export const procedurePublishInput = z.object({ id: procedureId, version }).strict();
export const procedureRefInput = z.object({ id: procedureId }).strict();

/** One line of the console's list. */
export interface ProcedureListItem {
  id: string;
  /** From the newest version. */
  title: LocalizedText;
  service: string;
  /** On the kiosks now; null when it is not. */
  publishedVersion: number | null;
  latestVersion: number;
  /** A version newer than the published one waits (or nothing is published yet). */
  draft: boolean;
  latestSavedAt: string;
}

/** One stored version: the file as written and what it means. */
export interface ProcedureVersionView {
  id: string;
  version: number;
  source: string;
  /** The parsed file, its `version` being this stored version; null if it no longer validates. */
  procedure: Procedure | null;
  problems: ProcedureProblem[];
  savedAt: string;
  savedBy: string | null;
  publishedVersion: number | null;
  latestVersion: number;
}

export type ProcedureValidation = { ok: true; procedure: Procedure } | { ok: false; problems: ProcedureProblem[] };
