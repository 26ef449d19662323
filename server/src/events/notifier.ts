/**
 * Everything the server tells clients about sessions, calls, presence, the queue, printing and the
 * site, as the services see it: what happened, never how it travels. The socket layer implements it
 * (socket/notifier.ts) over its rooms; services call it after the ack (see after.ts) or from the
 * escalation tick. The one exception is a co-editing change, sent to the other side before its
 * write (see `SessionsService.patch`).
 */
import type { Procedure } from '../../../shared/procedures/schema';
import type { AgentPresenceView, CallCard, CallRemovedReason } from '../../../shared/schemas/call';
import type { DemoReceipt, PrinterView, PrintJobView } from '../../../shared/schemas/print';
import type { CallView, QueueState, ServiceCount } from '../../../shared/schemas/queue';
import type { SessionClosedReason, SessionFocus, SessionPatch, SessionState } from '../../../shared/schemas/session';
import type { SiteInfo } from '../../../shared/schemas/site';
import type { TerminalView } from '../../../shared/schemas/terminal';

/** Where a coalesced queue update is built from, when it goes out (not when the change happened). */
interface QueueSource {
  state(siteId: string): QueueState | Promise<QueueState>;
  counts(siteId: string): ServiceCount[] | Promise<ServiceCount[]>;
}

export interface Notifier {
  /** The full patch to the kiosk, the agents' version (sensitive values withheld) to joined tablets. */
  sessionPatched(terminalId: string | null, full: SessionPatch, forAgents: SessionPatch, exceptSocketId?: string): void;
  /** A change already sent could not be written: the clients that got it take the server's state back. */
  sessionReset(terminalId: string | null, full: SessionState, forAgents: SessionState, exceptSocketId: string): void;
  sessionFocus(terminalId: string | null, focus: SessionFocus, exceptSocketId: string): void;
  joinSession(accountId: string, sessionId: string): void;
  /** Removes the agent's tablets from the session and tells them why: their view closes at once. */
  leaveSession(accountId: string, sessionId: string, reason: SessionClosedReason): void;
  ring(accountIds: readonly string[], card: CallCard): void;
  callRemoved(siteId: string, callId: string, reason: CallRemovedReason): void;
  /** An agent's presence changed: the site's staff hear it with the other changes of the same moment. */
  presenceChanged(
    siteId: string,
    accountId: string,
    view: (accountId: string) => AgentPresenceView | Promise<AgentPresenceView>
  ): void;
  /**
   * A terminal came online or went offline: the site's staff hear it with the others of the same
   * moment (`view` null: revoked meanwhile, nothing to say).
   */
  terminalSeen(
    siteId: string,
    terminalId: string,
    view: (siteId: string, terminalId: string) => TerminalView | null | Promise<TerminalView | null>
  ): void;
  /** A printer's fault or recovery: the staff, and the site's terminals (a kiosk whose ticket waits). */
  printerStatus(siteId: string, view: PrinterView): void;
  /** A job's progress: the kiosk that asked, and the staff. */
  printJob(siteId: string, terminalId: string | null, view: PrintJobView): void;
  demoReceipt(siteId: string, receipt: DemoReceipt): void;
  /** A ticket called to a counter: the display announces it; everyone at the site may show it. */
  queueCalled(siteId: string, call: CallView): void;
  /**
   * The site's queue changed: its staff get the whole queue, its terminals the waiting counts, once
   * for a burst of changes. `listChanged`: a service was added or renamed (terminals reload the list).
   */
  queueChanged(siteId: string, source: QueueSource, listChanged?: boolean): void;
  /** Drops the broadcasts still waiting for their window: the server is stopping. */
  close(): void;
  /** What the site's kiosks offer changed: its kiosks, tablets and consoles get the new list. */
  proceduresChanged(siteId: string, procedures: Procedure[]): void;
  /** The site's settings changed: every face at the site (kiosks, displays, staff). */
  siteUpdated(siteId: string, site: SiteInfo): void;
}
