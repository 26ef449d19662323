/** A citizen's requests about their session, answered by the site manager (find it, erase it). */
import { AppError } from '../../../../shared/errors';
import type { AccountIdentity } from '../../../../shared/identity';
import type { SessionRequestsService } from '../../privacy/session-requests.service';
import type { CommandContext, CommandHandlers } from '../types';

/** The contract lets only managers send these; the audit row needs their account. */
function managerOf(ctx: CommandContext): AccountIdentity {
  if (ctx.identity.kind !== 'account' || ctx.identity.role !== 'manager') {
    throw new AppError('forbidden', 'Only the site manager does this');
  }
  return ctx.identity;
}

export function createPrivacyHandlers({
  sessionRequests
}: {
  sessionRequests: SessionRequestsService;
}): Pick<CommandHandlers, 'session:lookup' | 'session:erase'> {
  return {
    'session:lookup': (input, { identity }) => sessionRequests.lookup(identity.siteId, input.reference),
    'session:erase': (input, ctx) => sessionRequests.erase(managerOf(ctx), input.reference)
  };
}
