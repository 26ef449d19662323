/** Site information for every face (name, address, phone for the "next human step"). */
import { AppError } from '../../../../shared/errors';
import type { Store } from '../../store';
import { toSiteInfo } from '../../sites/sites.repository';
import type { CommandHandlers } from '../types';

export function createSiteHandlers({ store }: { store: Store }): Pick<CommandHandlers, 'site:get'> {
  return {
    'site:get': (_input, { identity }) => {
      const site = store.sites.findById(identity.siteId);
      if (!site) throw new AppError('not_found', 'This site no longer exists');
      return toSiteInfo(site);
    }
  };
}
