/**
 * A citizen's requests about their own session, answered by the site manager: export it (JSON) or
 * erase it, named by the reference printed on their receipt or summary (« ABC DEF »).
 */
import { z } from '../zod';
import { pairingAlphabet, pairingCodeLength } from './terminal';
import type { SessionPatch, SessionState } from './session';

/** A reference as a person types it (any case, with or without the space or a dash), stored as « ABC DEF ». */
export const sessionReferenceSchema = z
  .string()
  .max(20)
  .transform((s) => s.replace(/[\s-]/g, '').toUpperCase())
  .pipe(
    z
      .string()
      .length(pairingCodeLength, `a reference has ${pairingCodeLength} characters`)
      .regex(new RegExp(`^[${pairingAlphabet}]+$`), 'contains a character that is never used in references')
  )
  .transform((s) => `${s.slice(0, 3)} ${s.slice(3)}`);

export const sessionReferenceInput = z.object({ reference: sessionReferenceSchema }).strict();

/** What the console shows before exporting or erasing: enough to recognise it, none of its contents. */
export interface SessionSummary {
  reference: string;
  status: 'active' | 'ended';
  startedAt: string;
  endedAt: string | null;
  procedureId: string | null;
}

/**
 * Everything Guichet holds about one session, for the citizen: its state (answers, notes), the
 * history of its changes, its help calls and its printouts. Agents appear by first name only, as
 * the kiosk showed them; no account id. Tickets are not linked to sessions (they carry no name),
 * so none is here.
 */
export interface SessionExport {
  format: 'guichet-session/1';
  exportedAt: string;
  site: { name: string; timezone: string };
  session: SessionSummary & { endReason: 'finished' | 'inactivity' | 'agent' | null; state: SessionState };
  changes: (Pick<SessionPatch, 'version' | 'changes' | 'by'> & { at: string })[];
  helpCalls: {
    reason: 'help' | 'review';
    service: string | null;
    status: 'ringing' | 'accepted' | 'done' | 'cancelled' | 'unanswered';
    unansweredReason: 'no_agent' | 'closed' | 'timeout' | null;
    createdAt: string;
    answeredAt: string | null;
    endedAt: string | null;
  }[];
  printouts: { kind: string; status: string; copy: number; createdAt: string; printedAt: string | null }[];
}
