import { z } from '../zod';
import { pairingAlphabet, pairingCodeLength } from '../pairing-code';

export { formatPairingCode, pairingAlphabet, pairingCodeLength } from '../pairing-code';

const terminalKindSchema = z.enum(['kiosk', 'display']);

const terminalIdSchema = z.string().uuid();

const terminalName = z.string().trim().min(1).max(60);
const terminalLocation = z.string().trim().max(120);

/** @public The shape the server sends; the code uses its type. */
export const terminalViewSchema = z.object({
  id: z.string(),
  kind: terminalKindSchema,
  name: z.string(),
  location: z.string(),
  online: z.boolean(),
  lastSeenAt: z.string().nullable(),
  pairedAt: z.string(),
  /** The build the terminal's page runs, as it said when it connected; null before it ever said. */
  version: z.string().nullable(),
  /** It runs another build than the server's: the page must be reloaded. */
  outdated: z.boolean(),
  /** A kiosk's printers, as its jobs would go now (its own, else the site's shared one); null for none. */
  printers: z.object({ receipt: z.string().nullable(), a4: z.string().nullable() })
});
export type TerminalView = z.infer<typeof terminalViewSchema>;

export const terminalListInput = z.object({}).strict();

export const terminalRenameInput = z
  .object({ terminalId: terminalIdSchema, name: terminalName, location: terminalLocation.default('') })
  .strict();

export const terminalRevokeInput = z.object({ terminalId: terminalIdSchema }).strict();

/**
 * Gives a kiosk its own printer of a kind (`printerId`), or none so it uses the site's shared one
 * (`null`). The printer it had of that kind before becomes the site's shared one again.
 */
export const terminalPrinterInput = z
  .object({ terminalId: terminalIdSchema, kind: z.enum(['receipt', 'a4']), printerId: z.string().min(1).max(100).nullable() })
  .strict();

/** What a terminal's page says about its build in the socket handshake (`auth.version`). */
export const softwareVersionSchema = z.string().trim().min(1).max(40);

const pairingCodeSchema = z
  .string()
  .transform((s) => s.replace(/[\s-]/g, '').toUpperCase())
  .pipe(
    z
      .string()
      .length(pairingCodeLength, `must be ${pairingCodeLength} characters`)
      .regex(new RegExp(`^[${pairingAlphabet}]+$`), 'contains a character that is never used in codes')
  );

export const pairingClaimInput = z
  .object({ code: pairingCodeSchema, name: terminalName, location: terminalLocation.default('') })
  .strict();

export const pairingStartInput = z.object({ kind: terminalKindSchema }).strict();

/** @public The shape the server sends; the code uses its type. */
export const pairingStatusSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('waiting'), code: z.string(), kind: terminalKindSchema, expiresAt: z.string() }),
  z.object({ state: z.literal('paired'), terminalName: z.string() }),
  z.object({ state: z.literal('expired') }),
  z.object({ state: z.literal('none') })
]);
export type PairingStatus = z.infer<typeof pairingStatusSchema>;
