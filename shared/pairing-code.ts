/**
 * Pairing codes, as the kiosk's pairing screen shows them and the server makes them. Kept apart
 * from the zod schemas (schemas/terminal.ts) so that the kiosk's first load does not carry zod.
 */

/** Six characters from an alphabet without look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 8/B). */
export const pairingAlphabet = 'ACDEFGHJKMNPQRTUVWXY34679';
export const pairingCodeLength = 6;

/** How a code is shown on screen: two groups of three, easier to read aloud and to copy. */
export function formatPairingCode(code: string): string {
  return `${code.slice(0, 3)} ${code.slice(3)}`;
}
