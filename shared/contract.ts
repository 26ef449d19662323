/**
 * The one socket contract. Both the server (`Server<…>`) and the UIs (`Socket<…>`) are typed over
 * these maps; nothing re-declares them. Every client command is acknowledged with an `Ack`.
 *
 * `commands` holds, per event, the zod schema of its payload and the faces allowed to send it:
 * the server validates and authorises from this table before any handler runs.
 */
import { z } from 'zod';
import type { Ack } from './errors';
import type { Face, Identity } from './identity';
import type { Procedure } from './procedures/schema';
import { siteInfoSchema, type SiteInfo } from './schemas/site';
import {
  pairingClaimInput,
  terminalListInput,
  terminalRenameInput,
  terminalRevokeInput,
  type TerminalView
} from './schemas/terminal';

const siteGetInput = z.object({}).strict();
const kioskSetupInput = z.object({}).strict();

/** What a kiosk needs to run: the published procedures and its inactivity delays. */
export interface KioskSetup {
  procedures: Procedure[];
  idleSeconds: number;
  countdownSeconds: number;
}

export const commands = {
  'site:get': { input: siteGetInput, faces: ['kiosk', 'display', 'agent', 'manager'] },
  'kiosk:setup': { input: kioskSetupInput, faces: ['kiosk'] },
  'terminal:list': { input: terminalListInput, faces: ['agent', 'manager'] },
  'terminal:rename': { input: terminalRenameInput, faces: ['manager'] },
  'terminal:revoke': { input: terminalRevokeInput, faces: ['manager'] },
  'pairing:claim': { input: pairingClaimInput, faces: ['manager'] }
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
}

export type ClientToServerEvents = {
  [K in CommandName]: (payload: CommandInput<K>, ack: (result: Ack<CommandResults[K]>) => void) => void;
};

export interface ServerToClientEvents {
  /** A terminal of the site changed (paired, renamed, came online or went offline). */
  'terminal:updated': (terminal: TerminalView) => void;
  'terminal:removed': (payload: { terminalId: string }) => void;
  /** This connection's credential was revoked or expired; the socket is closed right after. */
  'credential:revoked': (payload: { reason: 'revoked' | 'logged_out' | 'expired' }) => void;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface InterServerEvents {}

export interface SocketData {
  identity: Identity;
}

/** What a client sends in the socket.io handshake `auth` field. */
export const handshakeAuthSchema = z.object({
  face: z.enum(['kiosk', 'display', 'agent', 'manager']),
  /** For non-browser clients; browsers send the httpOnly cookie instead. */
  token: z.string().min(1).max(200).optional()
});
export type HandshakeAuth = z.infer<typeof handshakeAuthSchema>;

export { siteInfoSchema };
