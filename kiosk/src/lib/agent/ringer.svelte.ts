/**
 * One calm ring per call, drawn with Web Audio (no file to fetch). Browsers only let a page play
 * sound after a gesture: the tablet asks once, with a button, at the start of the shift.
 */
export class Ringer {
  enabled = $state(false);
  /** Rings asked for on this page (also when sound is off): shown to tests, never sent anywhere. */
  rings = $state(0);
  private context: AudioContext | null = null;

  async enable(): Promise<void> {
    this.context ??= new AudioContext();
    await this.context.resume();
    this.enabled = this.context.state === 'running';
    if (this.enabled) this.tone(660, 0, 0.15);
  }

  ring(): void {
    this.rings += 1;
    if (!this.context || this.context.state !== 'running') return;
    this.tone(660, 0, 0.3);
    this.tone(880, 0.35, 0.45);
  }

  private tone(frequency: number, start: number, length: number): void {
    const ctx = this.context!;
    const at = ctx.currentTime + start;
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = frequency;
    gain.gain.setValueAtTime(0, at);
    gain.gain.linearRampToValueAtTime(0.3, at + 0.03);
    gain.gain.exponentialRampToValueAtTime(0.001, at + length);
    osc.connect(gain).connect(ctx.destination);
    osc.start(at);
    osc.stop(at + length);
  }
}
