/** Runs in a worker thread (see timed-worker.ts): espeak-ng's synthesis is synchronous and long. */
import { synthesize, type SpeechLanguage } from './espeak';

export function run({ text, language }: { text: string; language: SpeechLanguage }): Promise<Buffer> {
  return synthesize(text, language);
}
