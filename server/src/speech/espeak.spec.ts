import { describe, expect, it } from 'vitest';
import { synthesize } from './espeak';
import { createSpeechService } from './speech.service';

/** Reads a WAV header: format, channels, rate, bits and the number of samples. */
function wavInfo(wav: Buffer) {
  return {
    riff: wav.toString('ascii', 0, 4) + wav.toString('ascii', 8, 12),
    size: wav.readUInt32LE(4) + 8,
    format: wav.readUInt16LE(20),
    channels: wav.readUInt16LE(22),
    rate: wav.readUInt32LE(24),
    bits: wav.readUInt16LE(34),
    samples: wav.readUInt32LE(40) / 2
  };
}

describe('offline speech', () => {
  it.each([
    ['fr', 'Touchez l’écran pour commencer.'],
    ['en', 'Touch the screen to start.'],
    ['ar', 'المس الشاشة للبدء']
  ] as const)('speaks %s as a playable WAV', async (lang, text) => {
    const wav = await synthesize(text, lang);
    const info = wavInfo(wav);
    expect(info).toMatchObject({ riff: 'RIFFWAVE', size: wav.length, format: 1, channels: 1, rate: 22050, bits: 16 });
    // At least half a second of sound, and not silence.
    expect(info.samples).toBeGreaterThan(11_025);
    const pcm = new Int16Array(wav.buffer.slice(wav.byteOffset + 44, wav.byteOffset + wav.length));
    expect(Math.max(...pcm.slice(0, 20_000).map(Math.abs))).toBeGreaterThan(1000);
  });

  it('reads markup characters instead of interpreting them', async () => {
    const wav = await synthesize('Tom & Jerry <b>', 'en');
    expect(wavInfo(wav).samples).toBeGreaterThan(11_025);
  });

  it('caches what it has said', async () => {
    let calls = 0;
    const service = createSpeechService(async (text, lang) => {
      calls++;
      return synthesize(text, lang);
    });
    const a = await service.speak('Bonjour', 'fr');
    const b = await service.speak('Bonjour', 'fr');
    expect(b).toBe(a);
    expect(calls).toBe(1);
    await service.speak('Bonjour', 'en');
    expect(calls).toBe(2);
  });
});
