/**
 * The site manager's « Réglages du site »: identity, logo, kiosk languages and delays, hours,
 * closed days, the agents' PIN length.
 */
import type { QueueService } from '../../queue/queue.service';
import type { SiteSettingsService } from '../../sites/site-settings.service';
import type { CommandHandlers } from '../types';

export function createSettingsHandlers({
  settings,
  queue
}: {
  settings: SiteSettingsService;
  queue: QueueService;
}): Pick<CommandHandlers, 'site:settings' | 'site:logo' | 'site:hours' | 'site:closed-days' | 'site:pin-length'> {
  return {
    'site:settings': (input, { identity, afterAck }) => settings.saveSettings(identity.siteId, input, afterAck),
    'site:logo': (input, { identity, afterAck }) => settings.setLogo(identity.siteId, input.logo, afterAck),
    'site:pin-length': (input, { identity, afterAck }) => settings.setPinMinLength(identity.siteId, input.minLength, afterAck),
    // Hours and closed days open or close services: the kiosks' lists of services follow.
    'site:hours': async (input, { identity, afterAck }) => {
      const site = await settings.setHours(identity.siteId, input.openingHours, afterAck);
      queue.changed(identity.siteId, afterAck);
      return site;
    },
    'site:closed-days': async (input, { identity, afterAck }) => {
      const site = await settings.setClosedDays(identity.siteId, input, afterAck);
      queue.changed(identity.siteId, afterAck);
      return site;
    }
  };
}
