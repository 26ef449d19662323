/**
 * The site as the server last sent it, after a change: when the manager changes a setting (name,
 * logo, languages, delays, hours, closed days), the server sends `site:updated` and open pages
 * follow without a reload. Until then pages show the site they were rendered with.
 */
import type { SiteInfo } from '$shared/schemas/site';
import type { Connection } from './socket.svelte';

export class SiteUpdates {
  #latest = $state.raw<SiteInfo | null>(null);

  constructor(connection: Pick<Connection, 'socket'>) {
    connection.socket.on('site:updated', (site) => this.seen(site));
  }

  /** The site as last heard of, or null while the page's own is still the latest. */
  get latest(): SiteInfo | null {
    return this.#latest;
  }

  /** Takes the site as the server gave it (a `site:updated`, or read again after a reconnection). */
  seen(site: SiteInfo): void {
    this.#latest = site;
  }
}
