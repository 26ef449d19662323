/** Which terminals have at least one live socket right now. Kept in memory: presence is not history. */
export class TerminalPresence {
  private readonly sockets = new Map<string, number>();

  /** Returns true when this is the terminal's first live socket. */
  connected(terminalId: string): boolean {
    const n = (this.sockets.get(terminalId) ?? 0) + 1;
    this.sockets.set(terminalId, n);
    return n === 1;
  }

  /** Returns true when the terminal has no live socket left. */
  disconnected(terminalId: string): boolean {
    const n = (this.sockets.get(terminalId) ?? 1) - 1;
    if (n <= 0) {
      this.sockets.delete(terminalId);
      return true;
    }
    this.sockets.set(terminalId, n);
    return false;
  }

  isOnline(terminalId: string): boolean {
    return this.sockets.has(terminalId);
  }

  onlineIds(): string[] {
    return [...this.sockets.keys()];
  }
}
