/** Narrowing a command's sender when only one kind may act (the contract already checked the face). */
import { AppError } from '../../../../shared/errors';
import type { AccountIdentity, TerminalIdentity } from '../../../../shared/identity';
import type { CommandContext } from '../types';

export function kioskOf(ctx: CommandContext): TerminalIdentity {
  if (ctx.identity.kind !== 'terminal') throw new AppError('forbidden', 'Only a kiosk does this');
  return ctx.identity;
}

export function agentOf(ctx: CommandContext): AccountIdentity {
  if (ctx.identity.kind !== 'account' || ctx.identity.role !== 'agent')
    throw new AppError('forbidden', 'Only an agent does this');
  return ctx.identity;
}

export function accountOf(ctx: CommandContext): AccountIdentity {
  if (ctx.identity.kind !== 'account') throw new AppError('forbidden', 'Only a logged-in agent or manager does this');
  return ctx.identity;
}
