/**
 * Help calls and agent presence: what the kiosk sends to call a person, what rings on the
 * tablets, and how an agent says whether they can come.
 */
import { z } from '../zod';
import type { LocalizedText, Procedure } from '../procedures/schema';
import { requestId, type SessionLocale, type SessionState } from './session';

const id = z.string().min(1).max(80);

export const callCreateInput = z
  .object({
    sessionId: id,
    requestId,
    /** 'review': "Vérifier avec un agent" at the end of a procedure; 'help': the help button. */
    reason: z.enum(['help', 'review']).default('help')
  })
  .strict();
export const callRefInput = z.object({ callId: id }).strict();
export const callHandoverInput = z.object({ callId: id, toAccountId: id }).strict();

const agentStatuses = ['available', 'busy', 'break'] as const;
export type AgentStatus = (typeof agentStatuses)[number];
export const agentPresenceInput = z.object({ status: z.enum(agentStatuses) }).strict();

export const callSettingsInput = z
  .object({
    widenSeconds: z.number().int().min(5).max(600),
    giveUpSeconds: z.number().int().min(10).max(1800)
  })
  .strict()
  .refine((s) => s.giveUpSeconds > s.widenSeconds, {
    message: 'giveUpSeconds must be longer than widenSeconds',
    path: ['giveUpSeconds']
  });
export interface CallSettings {
  widenSeconds: number;
  giveUpSeconds: number;
}

/** What rings on a tablet: where and who in general terms, never the answers. */
export interface CallCard {
  callId: string;
  sessionId: string;
  terminalName: string;
  terminalLocation: string;
  locale: SessionLocale;
  procedureId: string | null;
  stepId: string | null;
  /** The title and the step's heading in the version the session opened (not the one published now). */
  procedureTitle: LocalizedText | null;
  stepHeading: LocalizedText | null;
  reason: 'help' | 'review';
  createdAt: string;
  stage: 0 | 1;
  /** First name of the colleague who handed this call over, when it was. */
  handoverFrom: string | null;
}

/** What an agent sees of a call they have accepted: the card and the live session. */
export interface JoinedCall {
  card: CallCard;
  session: SessionState;
  /** The version of its procedure the session opened (it may no longer be the published one). */
  procedure: Procedure | null;
}

export interface AgentPresenceView {
  accountId: string;
  firstName: string;
  status: AgentStatus;
  online: boolean;
}

/** Everything a tablet needs after (re)connecting. */
export interface AgentState {
  /** The agent's own account: the tablet leaves it out of the colleagues a call can be handed to. */
  accountId: string;
  status: AgentStatus;
  /** The procedures offered on the kiosks: the tablet renders a joined session with them. */
  procedures: Procedure[];
  ringing: CallCard[];
  joined: JoinedCall | null;
}

export type CallRemovedReason = 'taken' | 'cancelled' | 'unanswered' | 'ended';

export const auditListInput = z
  .object({ limit: z.number().int().min(1).max(500).default(100), beforeId: z.number().int().positive().optional() })
  .strict();

export type AuditAction =
  | 'accept'
  | 'view'
  | 'edit'
  | 'note'
  | 'handover'
  | 'release'
  | 'end'
  | 'stopped'
  | 'lost'
  /** A manager exported the session (JSON) at the citizen's request. */
  | 'export'
  /** A manager erased the session at the citizen's request. */
  | 'erase';

export interface AuditEntry {
  id: number;
  at: string;
  actorName: string;
  action: AuditAction;
  sessionReference: string;
  detail: string;
}
