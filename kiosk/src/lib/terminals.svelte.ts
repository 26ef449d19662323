/** The site's kiosks and displays as reactive state, kept current by socket events. */
import type { TerminalView } from '$shared/schemas/terminal';
import type { Connection } from './socket.svelte';

export class TerminalsState {
  list = $state<TerminalView[]>([]);
  loaded = $state(false);

  constructor(private readonly connection: Connection) {
    connection.socket.on('connect', () => void this.refresh());
    connection.socket.on('terminal:updated', (t) => this.upsert(t));
    connection.socket.on('terminals:seen', (list) => list.forEach((t) => this.upsert(t)));
    connection.socket.on('terminal:removed', ({ terminalId }) => {
      this.list = this.list.filter((t) => t.id !== terminalId);
    });
  }

  async refresh(): Promise<void> {
    const result = await this.connection.command('terminal:list', {});
    if (result.ok) {
      this.list = result.data;
      this.loaded = true;
    }
  }

  upsert(terminal: TerminalView): void {
    const i = this.list.findIndex((t) => t.id === terminal.id);
    if (i >= 0) this.list[i] = terminal;
    else this.list = [...this.list, terminal].sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  }
}
