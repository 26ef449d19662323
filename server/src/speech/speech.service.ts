/** Speech for the kiosk and the display, with a small cache: the same screens are read again and again. */
import { createHash } from 'node:crypto';
import { synthesize, type SpeechLanguage } from './espeak';

const maxEntries = 300;

export type SpeechService = ReturnType<typeof createSpeechService>;

export function createSpeechService(engine: typeof synthesize = synthesize) {
  const cache = new Map<string, Buffer>();
  return {
    async speak(text: string, language: SpeechLanguage): Promise<Buffer> {
      const key = createHash('sha256').update(`${language}\n${text}`).digest('hex');
      const hit = cache.get(key);
      if (hit) {
        // Refresh its place: the least recently used entry is dropped first.
        cache.delete(key);
        cache.set(key, hit);
        return hit;
      }
      const wav = await engine(text, language);
      cache.set(key, wav);
      if (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
      return wav;
    }
  };
}
