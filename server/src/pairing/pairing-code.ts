/** Short codes that an unpaired terminal shows and a manager types. */
import { randomInt } from 'node:crypto';
import { pairingAlphabet, pairingCodeLength } from '../../../shared/schemas/terminal';

export function newPairingCode(): string {
  let code = '';
  for (let i = 0; i < pairingCodeLength; i++) code += pairingAlphabet[randomInt(pairingAlphabet.length)];
  return code;
}

/** How a code is shown on screen: two groups of three, easier to read aloud and to copy. */
export function formatPairingCode(code: string): string {
  return `${code.slice(0, 3)} ${code.slice(3)}`;
}
