/** The site manager's procedures: list, read, check, save a version, publish and withdraw. Always the manager's own site. */
import type { ProceduresService } from '../../procedures/procedures.service';
import type { CommandHandlers } from '../types';
import { accountOf } from './senders';

export function createProcedureHandlers({
  procedures
}: {
  procedures: ProceduresService;
}): Pick<
  CommandHandlers,
  'procedure:list' | 'procedure:get' | 'procedure:validate' | 'procedure:save' | 'procedure:publish' | 'procedure:unpublish'
> {
  return {
    'procedure:list': (_input, { identity }) => procedures.list(identity.siteId),
    'procedure:get': (input, { identity }) => procedures.get(identity.siteId, input.id, input.version),
    // Nothing is stored: the console checks a file as often as the manager likes.
    'procedure:validate': (input) => procedures.validate(input.source),
    'procedure:save': (input, ctx) => {
      const manager = accountOf(ctx);
      return procedures.save(manager.siteId, input.source, manager.firstName);
    },
    'procedure:publish': (input, { identity, afterAck }) =>
      procedures.publish(identity.siteId, input.id, input.version, afterAck),
    'procedure:unpublish': (input, { identity, afterAck }) => procedures.unpublish(identity.siteId, input.id, afterAck)
  };
}
