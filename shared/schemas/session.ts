/**
 * The kiosk session as both sides see it: one server-held, versioned state, changed only by small
 * typed operations. The kiosk and the agent's tablet render the same procedure components from it.
 */
import { z } from '../zod';

export const sessionLocales = ['fr', 'en', 'ar'] as const;
export const sessionLocale = z.enum(sessionLocales);
export type SessionLocale = z.infer<typeof sessionLocale>;

const id = z.string().min(1).max(80);
/** A client-generated id that makes a command safe to send twice (socket.io flushes buffered emits). */
export const requestId = z.string().min(8).max(64);

const documentsAnswer = z
  .record(z.string().min(1).max(80), z.boolean())
  .refine((r) => Object.keys(r).length <= 100, 'at most 100 documents');

const answerValueSchema = z.union([
  z.string().max(2000),
  z.number().finite(),
  z.boolean(),
  z.array(z.string().min(1).max(80)).max(50),
  documentsAnswer
]);

/** What a kiosk or an agent may ask to change. */
const sessionOpSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('locale'), locale: sessionLocale }).strict(),
  z.object({ op: z.literal('catalog') }).strict(),
  z.object({ op: z.literal('open'), procedureId: id }).strict(),
  z.object({ op: z.literal('goto'), stepId: id, returnToReview: z.boolean().default(false) }).strict(),
  z.object({ op: z.literal('answer'), stepId: id, value: answerValueSchema.nullable() }).strict(),
  z.object({ op: z.literal('finish') }).strict(),
  z.object({ op: z.literal('note'), text: z.string().trim().min(1).max(500) }).strict()
]);
export type SessionOp = z.infer<typeof sessionOpSchema>;

export const sessionPatchInput = z
  .object({
    sessionId: id,
    patchId: requestId,
    ops: z.array(sessionOpSchema).min(1).max(20)
  })
  .strict();

export const sessionStartInput = z.object({ requestId, locale: sessionLocale }).strict();
export const sessionSyncInput = z.object({ sessionId: id, version: z.number().int().min(0) }).strict();
export const sessionEndInput = z.object({ sessionId: id, reason: z.enum(['finished', 'inactivity', 'agent']) }).strict();
export const sessionRefInput = z.object({ sessionId: id }).strict();
/** Volatile "who is typing where": stepId null when the field lost focus. */
export const sessionFocusInput = z.object({ sessionId: id, stepId: id.nullable() }).strict();

type SessionScreen = 'catalog' | 'step' | 'end';

interface SessionNote {
  id: string;
  text: string;
  /** The agent's first name. */
  by: string;
  at: string;
}

/** The call as the kiosk shows it: never the agents' identities beyond the first name of the one coming. */
export interface SessionCall {
  id: string;
  status: 'ringing' | 'accepted' | 'unanswered';
  /** 0: available agents are rung; 1: busy agents too. */
  stage: 0 | 1;
  createdAt: string;
  /** When the current ringing started (reset by a hand-over or a lost tablet). */
  ringingSince: string;
  /** First name of the agent who accepted. */
  agentName: string | null;
  /** Why nobody can come, when status is unanswered. */
  unansweredReason: 'no_agent' | 'closed' | 'timeout' | null;
  estimate: CallEstimate;
}

export interface CallEstimate {
  /** Agents who can be rung right now. */
  availableAgents: number;
  /** Usual time to answer at this hour, from this site's own history (null: not enough history). */
  usualSeconds: { low: number; high: number } | null;
}

export interface SessionAgent {
  firstName: string;
  /** False while the agent's tablet has lost its connection (grace period). */
  connected: boolean;
}

export interface SessionState {
  id: string;
  /** Short reference printed on the citizen's summary; also what the audit log names. */
  reference: string;
  version: number;
  status: 'active' | 'ended';
  locale: SessionLocale;
  screen: SessionScreen;
  procedureId: string | null;
  /**
   * The stored version of that procedure the session opened. It keeps it to the end, even when
   * the manager publishes a newer one or withdraws it from the kiosks.
   */
  procedureVersion: number | null;
  stepId: string | null;
  returnToReview: boolean;
  answers: Record<string, AnswerValueT>;
  /** Steps whose answer exists but is withheld from this viewer (sensitive fields, on the tablet). */
  withheld: string[];
  notes: SessionNote[];
  agent: SessionAgent | null;
  call: SessionCall | null;
  startedAt: string;
}
export type AnswerValueT = z.infer<typeof answerValueSchema>;

/** A change as the server broadcasts it, after validation. */
export type SessionChange =
  | { op: 'locale'; locale: SessionLocale }
  | { op: 'catalog' }
  | { op: 'open'; procedureId: string; version: number; stepId: string | null }
  | { op: 'goto'; stepId: string; returnToReview: boolean }
  | { op: 'answer'; stepId: string; value: AnswerValueT | null; withheld?: boolean }
  | { op: 'finish' }
  | { op: 'note'; note: SessionNote }
  | { op: 'agent'; agent: SessionAgent | null }
  | { op: 'call'; call: SessionCall | null }
  | { op: 'ended' };

export interface SessionPatch {
  sessionId: string;
  version: number;
  changes: SessionChange[];
  /** Who made it: the citizen at the kiosk, an agent (first name), or the server itself. */
  by: { kind: 'citizen' } | { kind: 'agent'; name: string } | { kind: 'system' };
}

export type SessionSync = { kind: 'patches'; patches: SessionPatch[] } | { kind: 'snapshot'; state: SessionState };

/**
 * Why an agent's view of a session closes (`session:closed`): they released it, handed it over, the
 * citizen stopped sharing or ended it, or their tablet was gone past the grace period.
 */
export type SessionClosedReason = 'released' | 'handed_over' | 'stopped' | 'ended' | 'lost';

export interface SessionFocus {
  sessionId: string;
  by: 'citizen' | 'agent';
  name: string;
  stepId: string | null;
}
