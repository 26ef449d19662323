/**
 * Offline speech: espeak-ng compiled to WebAssembly, installed by npm alone (no system package),
 * so a kiosk reads itself aloud with no network. One engine instance serves the whole process;
 * its calls are synchronous, so requests never interleave. Output: a 22 050 Hz mono WAV.
 */
import type initEspeak from '@echogarden/espeak-ng-emscripten';

export type SpeechLanguage = 'fr' | 'en' | 'ar';

const voices: Record<SpeechLanguage, string> = { fr: 'fr', en: 'en', ar: 'ar' };
const sampleRate = 22_050;

type Worker = InstanceType<Awaited<ReturnType<typeof initEspeak>>['eSpeakNGWorker']>;
let worker: Promise<Worker> | undefined;

// Loaded on the first request for speech: the module weighs about 100 MB in memory, which a
// server whose kiosks never read aloud should not carry.
function engine(): Promise<Worker> {
  worker ??= import('@echogarden/espeak-ng-emscripten').then((mod) => mod.default()).then((m) => new m.eSpeakNGWorker());
  worker.catch(() => (worker = undefined));
  return worker;
}

// The engine reads SSML: escape markup so "<" or "&" in a text are read, not parsed.
const escapeSsml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function pcmToWav(pcm: Int16Array, rate = sampleRate): Buffer {
  const dataBytes = pcm.length * 2;
  const wav = Buffer.alloc(44 + dataBytes);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + dataBytes, 4);
  wav.write('WAVE', 8, 'ascii');
  wav.write('fmt ', 12, 'ascii');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(dataBytes, 40);
  Buffer.from(pcm.buffer, pcm.byteOffset, dataBytes).copy(wav, 44);
  return wav;
}

export async function synthesize(text: string, language: SpeechLanguage): Promise<Buffer> {
  const w = await engine();
  if (w.set_voice(voices[language]) !== 0) throw new Error(`espeak-ng has no voice ${voices[language]}`);
  const chunks: Int16Array[] = [];
  let total = 0;
  w.synthesize(escapeSsml(text), (samples) => {
    if (samples?.length) {
      chunks.push(samples);
      total += samples.length;
    }
    return false;
  });
  const pcm = new Int16Array(total);
  let offset = 0;
  for (const c of chunks) {
    pcm.set(c, offset);
    offset += c.length;
  }
  return pcmToWav(pcm);
}
