/** Short codes that an unpaired terminal shows and a manager types. */
import { randomInt } from 'node:crypto';
import { pairingAlphabet, pairingCodeLength } from '../../../shared/schemas/terminal';

export function newPairingCode(): string {
  let code = '';
  for (let i = 0; i < pairingCodeLength; i++) code += pairingAlphabet[randomInt(pairingAlphabet.length)];
  return code;
}
