/** Site information for every face (name, address, phone for the "next human step"), and the kiosk's setup. */
import { AppError } from '../../../../shared/errors';
import type { Procedure } from '../../../../shared/procedures/schema';
import type { Store } from '../../store';
import { toSiteInfo } from '../../sites/sites.repository';
import type { SessionsService } from '../../sessions/sessions.service';
import type { CommandHandlers } from '../types';

export function createSiteHandlers({
  store,
  procedures,
  idleSeconds,
  countdownSeconds,
  sessions
}: {
  store: Store;
  sessions: SessionsService;
  procedures: Procedure[];
  idleSeconds: number;
  countdownSeconds: number;
}): Pick<CommandHandlers, 'site:get' | 'kiosk:setup'> {
  return {
    'kiosk:setup': (_input, { identity }) => ({
      procedures,
      idleSeconds,
      countdownSeconds,
      session: identity.kind === 'terminal' ? sessions.activeForKiosk(identity) : null
    }),
    'site:get': (_input, { identity }) => {
      const site = store.sites.findById(identity.siteId);
      if (!site) throw new AppError('not_found', 'This site no longer exists');
      return toSiteInfo(site);
    }
  };
}
