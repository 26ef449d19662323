import { z } from 'zod';

export const terminalKindSchema = z.enum(['kiosk', 'display']);

export const terminalIdSchema = z.string().uuid();

const terminalName = z.string().trim().min(1).max(60);
const terminalLocation = z.string().trim().max(120);

export const terminalViewSchema = z.object({
  id: z.string(),
  kind: terminalKindSchema,
  name: z.string(),
  location: z.string(),
  online: z.boolean(),
  lastSeenAt: z.string().nullable(),
  pairedAt: z.string()
});
export type TerminalView = z.infer<typeof terminalViewSchema>;

export const terminalListInput = z.object({}).strict();

export const terminalRenameInput = z
  .object({ terminalId: terminalIdSchema, name: terminalName, location: terminalLocation.default('') })
  .strict();

export const terminalRevokeInput = z.object({ terminalId: terminalIdSchema }).strict();

/** Pairing codes: six characters from an alphabet without look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 8/B). */
export const pairingAlphabet = 'ACDEFGHJKMNPQRTUVWXY34679';
export const pairingCodeLength = 6;

/** How a code is shown on screen: two groups of three, easier to read aloud and to copy. */
export function formatPairingCode(code: string): string {
  return `${code.slice(0, 3)} ${code.slice(3)}`;
}

export const pairingCodeSchema = z
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

export const pairingStatusSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('waiting'), code: z.string(), kind: terminalKindSchema, expiresAt: z.string() }),
  z.object({ state: z.literal('paired'), terminalName: z.string() }),
  z.object({ state: z.literal('expired') }),
  z.object({ state: z.literal('none') })
]);
export type PairingStatus = z.infer<typeof pairingStatusSchema>;
