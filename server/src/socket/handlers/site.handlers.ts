/** Site information for every face (name, address, phone for the "next human step"), and the kiosk's setup. */
import type { SessionsService } from '../../sessions/sessions.service';
import type { SiteSettingsService } from '../../sites/site-settings.service';
import type { CommandHandlers } from '../types';

export function createSiteHandlers({
  settings,
  sessions
}: {
  settings: SiteSettingsService;
  sessions: SessionsService;
}): Pick<CommandHandlers, 'site:get' | 'kiosk:setup'> {
  return {
    'kiosk:setup': async (_input, { identity }) => {
      // The site's own inactivity delays, or the server's defaults while it has none.
      const { kiosk } = await settings.info(identity.siteId);
      const stored = identity.kind === 'terminal' ? await sessions.activeForKiosk(identity) : null;
      const procedures = await sessions.publishedProcedures(identity.siteId);
      // A session keeps the version it opened: sent along when the kiosks offer another one now.
      const pinned = stored ? await sessions.procedureOf(stored) : undefined;
      const offered = pinned && procedures.some((p) => p.id === pinned.id && p.version === pinned.version);
      return {
        procedures,
        sessionProcedure: pinned && !offered ? pinned : null,
        idleSeconds: kiosk.idleSeconds,
        countdownSeconds: kiosk.countdownSeconds,
        session: stored?.state ?? null
      };
    },
    'site:get': (_input, { identity }) => settings.info(identity.siteId)
  };
}
