/** A site manager's staff accounts (agents and managers of their own site). */
import type { AccountsService } from '../../accounts/accounts.service';
import type { CommandHandlers } from '../types';
import { accountOf } from './senders';

export function createAccountHandlers({
  accounts
}: {
  accounts: AccountsService;
}): Pick<CommandHandlers, 'account:list' | 'account:create' | 'account:update' | 'account:reset-secret' | 'account:unlock'> {
  return {
    'account:list': (_input, { identity }) => accounts.list(identity.siteId),
    'account:create': (input, ctx) => accounts.create(accountOf(ctx), input),
    'account:update': (input, ctx) => accounts.update(accountOf(ctx), input, ctx.afterAck),
    'account:reset-secret': (input, ctx) => accounts.resetSecret(accountOf(ctx), input, ctx.afterAck),
    'account:unlock': (input, ctx) => accounts.unlock(accountOf(ctx), input.accountId)
  };
}
