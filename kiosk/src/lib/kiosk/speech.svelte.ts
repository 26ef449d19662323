/**
 * Reading the kiosk aloud, offline: the Guichet server turns text into speech (espeak-ng) and
 * the kiosk plays it. A new tap cuts what is playing; "Lire à voix haute" reads the screen again.
 * Typed values and private answers (`data-speak-skip`) are never sent to the loudspeaker.
 */
import { getContext, setContext } from 'svelte';

export class Speech {
  /** When on, each new screen and each error is read without being asked. */
  #enabled = $state(false);
  speaking = $state(false);
  private audio: HTMLAudioElement | null = null;
  private request = 0;

  get enabled(): boolean {
    return this.#enabled;
  }

  /** Reading on: each new screen and each error is read from now on. */
  enable(): void {
    this.#enabled = true;
  }

  /** Reading off, and what is playing stops. */
  disable(): void {
    this.#enabled = false;
    this.stop();
  }

  async say(text: string, lang: string): Promise<void> {
    this.stop();
    const trimmed = text.replace(/\s+/g, ' ').trim().slice(0, 1000);
    if (!trimmed) return;
    const id = ++this.request;
    let response: Response;
    try {
      response = await fetch('/api/speech', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: trimmed, lang })
      });
    } catch {
      return;
    }
    if (!response.ok || id !== this.request) return;
    const url = URL.createObjectURL(await response.blob());
    if (id !== this.request) return URL.revokeObjectURL(url);
    const audio = new Audio(url);
    this.audio = audio;
    this.speaking = true;
    audio.onended = audio.onerror = () => {
      URL.revokeObjectURL(url);
      if (this.audio === audio) this.speaking = false;
    };
    await audio.play().catch(() => (this.speaking = false));
  }

  stop(): void {
    this.request++;
    this.audio?.pause();
    this.audio = null;
    this.speaking = false;
  }
}

const key = Symbol('guichet.speech');

/** The kiosk's speech, shared with deeply nested controls (the on-screen keyboard). */
export function provideSpeech(speech: Speech): void {
  setContext(key, speech);
}

export function useSpeech(): Speech | undefined {
  return getContext<Speech | undefined>(key);
}

/** The readable text of an element, leaving out what must not be spoken. */
export function readableText(root: HTMLElement): string {
  const clone = root.cloneNode(true) as HTMLElement;
  clone
    .querySelectorAll('[data-speak-skip], [aria-hidden="true"], input, textarea, svg, dialog:not([open])')
    .forEach((el) => el.remove());
  return clone.innerText ?? clone.textContent ?? '';
}
