/**
 * The hall display's sound: a chime made with the Web Audio API (two short sine tones, no audio
 * file, works offline), then the call spoken by the Guichet server's offline speech
 * (`POST /api/speech`, a WAV), in each announcement language one after the other. Everything
 * plays through one AudioContext, so one permission covers the chime and the voices.
 *
 * Browsers block sound until someone touches the page. The display tries to start sound when it
 * loads; when the browser refuses, it shows « Activer le son », and one tap allows it until the
 * page is reloaded. So that the display machine plays sound from start-up with no tap, start
 * Chromium with the autoplay flag, for example:
 *
 *   chromium --kiosk --autoplay-policy=no-user-gesture-required --noerrdialogs \
 *     --no-first-run --disable-infobars http://SERVER:PORT/affichage
 */
import { m } from '$lib/paraglide/messages';
import type { CallView, DisplayState } from '$shared/schemas/queue';
import { spokenTicket } from './calls';

export type AnnounceLocale = DisplayState['announceLocales'][number];
/** `checking` at load, `on` once sound may play, `blocked` until a tap allows it. */
export type SoundState = 'checking' | 'on' | 'blocked' | 'unavailable';

/** How long to wait for the browser to let sound start without a tap. */
const resumeWaitMs = 400;
/** A voice that never reports its end does not hold the next announcement for longer than this. */
const maxSpeechMs = 20_000;

/** The sentence said for a call, in one language: « Ticket T 42, Guichet 3 ». */
export function spokenCall(call: Pick<CallView, 'label' | 'counterName'>, locale: AnnounceLocale): string {
  const { letter, number } = spokenTicket(call.label);
  return m.display_call_spoken({ letter, number, counter: call.counterName }, { locale });
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Announcer {
  sound = $state<SoundState>('checking');
  private context: AudioContext | null = null;
  private closed = false;

  /** Creates the audio context and tries to start it without a tap (allowed by the kiosk flag). */
  async start(): Promise<void> {
    if (typeof AudioContext === 'undefined') {
      this.sound = 'unavailable';
      return;
    }
    let context: AudioContext;
    try {
      context = new AudioContext();
    } catch {
      this.sound = 'unavailable';
      return;
    }
    this.context = context;
    context.addEventListener('statechange', () => this.follow());
    if (context.state !== 'running') {
      // Without permission, resume() may stay pending: look at the state after a short while.
      await Promise.race([context.resume().catch(() => undefined), wait(resumeWaitMs)]);
    }
    this.follow();
  }

  /** From a tap on « Activer le son »: the gesture lets the context start. */
  async enable(): Promise<void> {
    if (!this.context) await this.start();
    if (this.sound === 'unavailable') return;
    await this.context?.resume().catch(() => undefined);
    this.follow();
    // A short, quiet tone confirms to whoever tapped that the loudspeaker works.
    if (this.sound === 'on') this.tone(660, 0, 0.25, 0.15);
  }

  private follow(): void {
    if (this.closed || !this.context) return;
    this.sound = this.context.state === 'running' ? 'on' : 'blocked';
  }

  /**
   * Plays one announcement to its end: the chime, then the sentence in each language. Resolves at
   * once when sound is not allowed (the screen and the screen-reader region still show the call).
   */
  async play(call: CallView, locales: AnnounceLocale[]): Promise<void> {
    const context = this.context;
    if (!context || this.sound !== 'on') return;
    // The voices are asked for while the chime plays.
    const voices = locales.map((locale) => this.fetchSpeech(spokenCall(call, locale), locale));
    await this.chime();
    for (const [i, voice] of voices.entries()) {
      const buffer = await voice;
      if (this.closed || this.sound !== 'on') return;
      if (i > 0) await wait(400);
      if (buffer) await this.playBuffer(buffer);
    }
  }

  /** Two short sine tones, high then low. */
  private async chime(): Promise<void> {
    this.tone(880, 0, 0.45);
    this.tone(660, 0.4, 0.7);
    await wait(1_200);
  }

  private tone(frequency: number, startIn: number, duration: number, volume = 0.35): void {
    const context = this.context;
    if (!context) return;
    const start = context.currentTime + startIn;
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.type = 'sine';
    oscillator.frequency.value = frequency;
    // A soft attack and an exponential fade: no click at either end.
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(volume, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + duration);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(start);
    oscillator.stop(start + duration + 0.05);
  }

  private async fetchSpeech(text: string, lang: AnnounceLocale): Promise<AudioBuffer | null> {
    try {
      const response = await fetch('/api/speech', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text, lang })
      });
      if (!response.ok || !this.context) return null;
      return await this.context.decodeAudioData(await response.arrayBuffer());
    } catch {
      return null;
    }
  }

  private playBuffer(buffer: AudioBuffer): Promise<void> {
    const context = this.context;
    if (!context) return Promise.resolve();
    return new Promise((resolve) => {
      const source = context.createBufferSource();
      source.buffer = buffer;
      source.connect(context.destination);
      const timer = setTimeout(done, Math.min(maxSpeechMs, buffer.duration * 1000 + 1_000));
      function done() {
        clearTimeout(timer);
        source.onended = null;
        resolve();
      }
      source.onended = done;
      source.start();
    });
  }

  close(): void {
    this.closed = true;
    void this.context?.close().catch(() => undefined);
    this.context = null;
  }
}
