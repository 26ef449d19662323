/**
 * The one socket contract. Both the server (`Server<…>`) and the UIs (`Socket<…>`) are typed over
 * these maps; nothing re-declares them. Every client command is acknowledged with an `Ack`.
 *
 * `commands` holds, per event, the zod schema of its payload and the faces allowed to send it:
 * the server validates and authorises from this table before any handler runs.
 */
import { z } from './zod';
import type { Ack } from './errors';
import type { Face, Identity } from './identity';
import type { Procedure } from './procedures/schema';
import {
  procedureGetInput,
  procedurePublishInput,
  procedureRefInput,
  procedureSourceInput,
  type ProcedureListItem,
  type ProcedureValidation,
  type ProcedureVersionView
} from './schemas/procedure';
import {
  retentionInput,
  pinLengthInput,
  siteClosedDaysInput,
  siteHoursInput,
  siteLogoInput,
  siteSettingsInput,
  type SiteInfo
} from './schemas/site';
import {
  accountCreateInput,
  accountResetSecretInput,
  accountUnlockInput,
  accountUpdateInput,
  type AccountView
} from './schemas/account';
import {
  sessionEndInput,
  sessionFocusInput,
  sessionPatchInput,
  sessionRefInput,
  sessionStartInput,
  sessionSyncInput,
  type SessionCall,
  type SessionClosedReason,
  type SessionFocus,
  type SessionPatch,
  type SessionState,
  type SessionSync
} from './schemas/session';
import {
  agentPresenceInput,
  auditListInput,
  callCreateInput,
  callHandoverInput,
  callRefInput,
  callSettingsInput,
  type AgentPresenceView,
  type AgentState,
  type AuditEntry,
  type CallCard,
  type CallRemovedReason,
  type CallSettings,
  type JoinedCall
} from './schemas/call';
import {
  printerSaveInput,
  printerTestInput,
  printReprintInput,
  printSummaryInput,
  ticketTakeInput,
  type DemoOutput,
  type DemoReceipt,
  type PrinterView,
  type PrintJobView,
  type TicketView
} from './schemas/print';
import {
  counterCallInput,
  counterNextInput,
  counterRefInput,
  counterServicesInput,
  counterTransferInput,
  counterSaveInput,
  queueSettingsInput,
  serviceSaveInput,
  ticketIssueInput,
  type CallView,
  type CounterView,
  type DisplayState,
  type QueueCounts,
  type QueueSettings,
  type QueueState,
  type ServiceView
} from './schemas/queue';
import {
  pairingClaimInput,
  terminalListInput,
  terminalRenameInput,
  terminalPrinterInput,
  terminalRevokeInput,
  softwareVersionSchema,
  type TerminalView
} from './schemas/terminal';
import { statsGetInput, type StatsReport } from './schemas/statistics';
import { sessionReferenceInput, type SessionSummary } from './schemas/privacy';

const siteGetInput = z.object({}).strict();
const kioskSetupInput = z.object({}).strict();
const empty = z.object({}).strict();

/** What a kiosk needs to run: the published procedures, its inactivity delays, and its session if one is going on. */
export interface KioskSetup {
  procedures: Procedure[];
  /**
   * The version of its procedure the session going on opened, when the kiosks offer another one
   * now (a newer version was published, or the procedure was withdrawn): it keeps it to the end.
   */
  sessionProcedure: Procedure | null;
  idleSeconds: number;
  countdownSeconds: number;
  session: SessionState | null;
}

export const commands = {
  'site:get': { input: siteGetInput, faces: ['kiosk', 'display', 'agent', 'manager'] },
  'kiosk:setup': { input: kioskSetupInput, faces: ['kiosk'] },
  'terminal:list': { input: terminalListInput, faces: ['agent', 'manager'] },
  'terminal:rename': { input: terminalRenameInput, faces: ['manager'] },
  'terminal:revoke': { input: terminalRevokeInput, faces: ['manager'] },
  'pairing:claim': { input: pairingClaimInput, faces: ['manager'] },
  'session:start': { input: sessionStartInput, faces: ['kiosk'] },
  'session:patch': { input: sessionPatchInput, faces: ['kiosk', 'agent'] },
  'session:sync': { input: sessionSyncInput, faces: ['kiosk', 'agent'] },
  'session:end': { input: sessionEndInput, faces: ['kiosk', 'agent'] },
  'session:stop-sharing': { input: sessionRefInput, faces: ['kiosk'] },
  'call:create': { input: callCreateInput, faces: ['kiosk'] },
  'call:cancel': { input: callRefInput, faces: ['kiosk'] },
  'call:accept': { input: callRefInput, faces: ['agent'] },
  'call:release': { input: callRefInput, faces: ['agent'] },
  'call:handover': { input: callHandoverInput, faces: ['agent'] },
  'agent:state': { input: empty, faces: ['agent'] },
  'agent:presence': { input: agentPresenceInput, faces: ['agent'] },
  'agent:colleagues': { input: empty, faces: ['agent'] },
  'site:call-settings': { input: callSettingsInput, faces: ['manager'] },
  'audit:list': { input: auditListInput, faces: ['manager'] },
  'ticket:take': { input: ticketTakeInput, faces: ['kiosk'] },
  'print:summary': { input: printSummaryInput, faces: ['kiosk', 'agent'] },
  'print:reprint': { input: printReprintInput, faces: ['agent', 'manager'] },
  'print:jobs': { input: empty, faces: ['agent', 'manager'] },
  'printer:list': { input: empty, faces: ['kiosk', 'agent', 'manager'] },
  'printer:demo-output': { input: empty, faces: ['manager'] },
  'printer:save': { input: printerSaveInput, faces: ['manager'] },
  'queue:state': { input: empty, faces: ['agent', 'manager'] },
  'queue:services': { input: empty, faces: ['kiosk'] },
  'counter:services': { input: counterServicesInput, faces: ['agent'] },
  'counter:next': { input: counterNextInput, faces: ['agent'] },
  'counter:recall': { input: counterRefInput, faces: ['agent'] },
  'counter:absent': { input: counterRefInput, faces: ['agent'] },
  'counter:finish': { input: counterRefInput, faces: ['agent'] },
  'counter:transfer': { input: counterTransferInput, faces: ['agent'] },
  'counter:call': { input: counterCallInput, faces: ['agent'] },
  'ticket:issue': { input: ticketIssueInput, faces: ['agent'] },
  'display:state': { input: empty, faces: ['display'] },
  'site:queue-settings': { input: queueSettingsInput, faces: ['manager'] },
  'service:save': { input: serviceSaveInput, faces: ['manager'] },
  'counter:save': { input: counterSaveInput, faces: ['manager'] },
  'site:retention': { input: retentionInput, faces: ['manager'] },
  'site:pin-length': { input: pinLengthInput, faces: ['manager'] },
  'procedure:list': { input: empty, faces: ['manager'] },
  'procedure:get': { input: procedureGetInput, faces: ['manager'] },
  'procedure:validate': { input: procedureSourceInput, faces: ['manager'] },
  'procedure:save': { input: procedureSourceInput, faces: ['manager'] },
  'procedure:publish': { input: procedurePublishInput, faces: ['manager'] },
  'procedure:unpublish': { input: procedureRefInput, faces: ['manager'] },
  'stats:get': { input: statsGetInput, faces: ['manager'] },
  'session:lookup': { input: sessionReferenceInput, faces: ['manager'] },
  'session:erase': { input: sessionReferenceInput, faces: ['manager'] },
  'site:settings': { input: siteSettingsInput, faces: ['manager'] },
  'site:logo': { input: siteLogoInput, faces: ['manager'] },
  'site:hours': { input: siteHoursInput, faces: ['manager'] },
  'site:closed-days': { input: siteClosedDaysInput, faces: ['manager'] },
  'terminal:printer': { input: terminalPrinterInput, faces: ['manager'] },
  'printer:test': { input: printerTestInput, faces: ['manager'] },
  'account:list': { input: empty, faces: ['manager'] },
  'account:create': { input: accountCreateInput, faces: ['manager'] },
  'account:update': { input: accountUpdateInput, faces: ['manager'] },
  'account:reset-secret': { input: accountResetSecretInput, faces: ['manager'] },
  'account:unlock': { input: accountUnlockInput, faces: ['manager'] }
} as const satisfies Record<string, { input: z.ZodType; faces: readonly Face[] }>;

export type CommandName = keyof typeof commands;
export type CommandInput<K extends CommandName> = z.input<(typeof commands)[K]['input']>;
export type CommandPayload<K extends CommandName> = z.output<(typeof commands)[K]['input']>;

/** What each command's ack carries on success. */
export interface CommandResults {
  'site:get': SiteInfo;
  'kiosk:setup': KioskSetup;
  'terminal:list': TerminalView[];
  'terminal:rename': TerminalView;
  'terminal:revoke': { terminalId: string };
  'pairing:claim': TerminalView;
  'session:start': SessionState;
  /** The patch as this sender may see it (an agent's copy withholds sensitive answers). */
  'session:patch': SessionPatch;
  'session:sync': SessionSync;
  'session:end': { sessionId: string };
  'session:stop-sharing': { sessionId: string };
  'call:create': SessionCall;
  'call:cancel': { callId: string };
  'call:accept': JoinedCall;
  'call:release': { callId: string };
  'call:handover': { callId: string };
  'agent:state': AgentState;
  'agent:presence': AgentPresenceView;
  'agent:colleagues': AgentPresenceView[];
  'site:call-settings': CallSettings;
  'audit:list': AuditEntry[];
  'ticket:take': TicketView;
  'print:summary': PrintJobView;
  /** The new copy, marked « DUPLICATA ». */
  'print:reprint': PrintJobView;
  'print:jobs': PrintJobView[];
  'printer:list': PrinterView[];
  /** What the demo printers printed, newest first (empty when the site has none). */
  'printer:demo-output': DemoOutput;
  'printer:save': PrinterView;
  'queue:state': QueueState;
  /** The services a citizen can take a ticket for, with how many wait. */
  'queue:services': ServiceView[];
  'counter:services': CounterView;
  /** The counter with the ticket it called; `current` null when nobody waits. */
  'counter:next': CounterView;
  'counter:recall': CounterView;
  'counter:absent': CounterView;
  'counter:finish': CounterView;
  'counter:transfer': CounterView;
  'counter:call': CounterView;
  'ticket:issue': TicketView;
  'display:state': DisplayState;
  'site:queue-settings': QueueSettings;
  'service:save': ServiceView;
  'counter:save': CounterView;
  'site:retention': { days: number };
  /** The site's procedures in kiosk order, with the published and the newest version of each. */
  'procedure:list': ProcedureListItem[];
  /** One stored version (the newest unless asked): the file as written and what it means. */
  'procedure:get': ProcedureVersionView;
  /** Reads a file without storing anything: the procedure, or each problem with its line. */
  'procedure:validate': ProcedureValidation;
  /** The version stored (a file identical to the newest is that version); refused with its problems. */
  'procedure:save': ProcedureVersionView;
  'procedure:publish': ProcedureListItem;
  'procedure:unpublish': ProcedureListItem;
  /** The team's figures per day, hour and service for a period of the site's calendar; none per agent. */
  'stats:get': StatsReport;
  /** A session found by its reference, to confirm before exporting or erasing it: none of its contents. */
  'session:lookup': SessionSummary;
  /** Erased at the citizen's request (refused while it goes on at a kiosk); written to the audit log. */
  'session:erase': { reference: string };
  /** The site as every face now sees it (also sent to them all as `site:updated`). */
  'site:settings': SiteInfo;
  'site:logo': SiteInfo;
  'site:hours': SiteInfo;
  'site:closed-days': SiteInfo;
  /** Applies to PINs set from now on; shorter PINs keep working and are pointed out in `account:list`. */
  'site:pin-length': SiteInfo;
  /** The kiosk with its printers as its jobs would now go. */
  'terminal:printer': TerminalView;
  /** The test page's job; its progress follows as `print:job` events (printed, or the fault). */
  'printer:test': PrintJobView;
  /** The site's staff accounts, managers first; never a secret or its hash. */
  'account:list': AccountView[];
  'account:create': AccountView;
  'account:update': AccountView;
  'account:reset-secret': AccountView;
  /** Lifts the blocks that failed logins put on this account, from every address. */
  'account:unlock': AccountView;
}

/**
 * Fire-and-forget signals: sent volatile, without ack, because a lost one is replaced by the next
 * ("who is typing where"). Validated and authorised like commands; invalid ones are dropped.
 */
export const signals = {
  'session:focus': { input: sessionFocusInput, faces: ['kiosk', 'agent'] }
} as const satisfies Record<string, { input: z.ZodType; faces: readonly Face[] }>;
export type SignalName = keyof typeof signals;

export type ClientToServerEvents = {
  [K in CommandName]: (payload: CommandInput<K>, ack: (result: Ack<CommandResults[K]>) => void) => void;
} & {
  [K in SignalName]: (payload: z.input<(typeof signals)[K]['input']>) => void;
};

export interface ServerToClientEvents {
  /** A terminal of the site changed (paired, renamed, its printers). */
  'terminal:updated': (terminal: TerminalView) => void;
  /** Terminals that came online or went offline since the last one (a hall starting up is sent once). */
  'terminals:seen': (terminals: TerminalView[]) => void;
  'terminal:removed': (payload: { terminalId: string }) => void;
  /** This connection's credential was revoked or expired; the socket is closed right after. */
  'credential:revoked': (payload: { reason: 'revoked' | 'logged_out' | 'expired' }) => void;
  /** A change to a kiosk session this client shows (the kiosk's own, or the one an agent joined). */
  'session:patched': (patch: SessionPatch) => void;
  /** A change this client was sent could not be kept: the server's state replaces its copy. */
  'session:reset': (state: SessionState) => void;
  'session:focus': (focus: SessionFocus) => void;
  /** This agent's view of a session must close now (released, handed over, sharing stopped, ended). */
  'session:closed': (payload: { sessionId: string; reason: SessionClosedReason }) => void;
  /** A help call rings this agent's tablet: one sound, one card. */
  'call:ring': (card: CallCard) => void;
  /** The call's card must disappear from every tablet. */
  'call:removed': (payload: { callId: string; reason: CallRemovedReason }) => void;
  /** Agents whose presence changed since the last one (a burst of arrivals is sent once): staff. */
  'agent:presences': (views: AgentPresenceView[]) => void;
  /** A printer's state changed (a fault, or back to ready): staff and the site's terminals. */
  'printer:status': (printer: PrinterView) => void;
  /** A print job moved on (printed, waiting for the printer, uncertain): its kiosk and the staff. */
  'print:job': (job: PrintJobView) => void;
  /** A ticket is called (or called again) to a counter: the display announces it. */
  'queue:called': (call: CallView) => void;
  /** Waiting counts or a counter changed: the whole queue, to the site's staff (a burst is sent once). */
  'queue:updated': (state: QueueState) => void;
  /** Waiting counts changed: the site's kiosks and display (a burst is sent once). */
  'queue:counts': (counts: QueueCounts) => void;
  /** The site's settings changed (name, logo, languages, delays, hours, closed days): every face at the site. */
  'site:updated': (site: SiteInfo) => void;
  /** What the site's kiosks offer changed (published or withdrawn): kiosks, tablets and consoles. */
  'procedures:changed': (payload: { procedures: Procedure[] }) => void;
  /** The demo printer printed a receipt (manager console). */
  'printer:demo-receipt': (receipt: DemoReceipt) => void;
}

/**
 * Between the nodes of one Guichet (several processes on one PostgreSQL, through the socket.io
 * adapter): never seen by a client. Each names the node it comes from.
 */
export interface InterServerEvents {
  /**
   * A node's counts of agents' tablet sockets and terminals' sockets: one change, or (`whole`) all
   * of them, said every few seconds.
   */
  'node:presence': (message: {
    nodeId: string;
    /** Per node, increasing: a message overtaken by a later one is ignored. */
    seq: number;
    whole: boolean;
    agents: { accountId: string; siteId: string; firstName: string; sockets: number }[];
    terminals: { terminalId: string; sockets: number }[];
  }) => void;
  /** A node that starts asks the others for their whole counts at once. */
  'node:hello': (message: { nodeId: string }) => void;
  /** An agent's availability changed: the other nodes read it again rather than from their copy. */
  'node:agent-status': (message: { nodeId: string; accountId: string }) => void;
  /**
   * A site's opening hours or closed days, or a terminal's name or place, changed: the other nodes
   * drop the copy their calls ring from (sites.repository `lastRead`, calls.service `knownTerminals`).
   */
  'node:call-copies': (message: { nodeId: string; siteId?: string; terminalId?: string }) => void;
  /** What a site's kiosks offer changed (a publish, a withdrawal): the other nodes read it again. */
  'node:procedures': (message: { nodeId: string; siteId: string }) => void;
  /** An operator's setup code for a site was issued (its SHA-256, hex; never the code) or voided (null). */
  'node:site-code': (message: { nodeId: string; siteId: string; digest: string | null }) => void;
  /** Jobs are waiting on this printer: the node holding its site's lease prints them. */
  'node:print': (message: { nodeId: string; printerId: string }) => void;
}

export interface SocketData {
  identity: Identity;
}

/** What a client sends in the socket.io handshake `auth` field. */
export const handshakeAuthSchema = z.object({
  face: z.enum(['kiosk', 'display', 'agent', 'manager']),
  /** For non-browser clients; browsers send the httpOnly cookie instead. */
  token: z.string().min(1).max(200).optional(),
  /** A terminal's page build, shown in the console (an unreadable one is ignored, never refused). */
  version: softwareVersionSchema.optional().catch(undefined)
});
