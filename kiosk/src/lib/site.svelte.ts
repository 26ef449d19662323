/**
 * The site as the server last sent it, after a change: when the manager changes a setting (name,
 * logo, languages, delays, hours, closed days), the server sends `site:updated` and open pages
 * follow without a reload. Until then pages show the site they were rendered with.
 */
import type { SiteInfo } from '$shared/schemas/site';
import type { Connection } from './socket.svelte';

export class SiteUpdates {
  latest = $state<SiteInfo | null>(null);

  constructor(connection: Pick<Connection, 'socket'>) {
    connection.socket.on('site:updated', (site) => {
      this.latest = site;
    });
  }
}
