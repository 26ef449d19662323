// Types for the parts of @echogarden/espeak-ng-emscripten Guichet uses (the package ships none).
declare module '@echogarden/espeak-ng-emscripten' {
  interface ESpeakNGWorker {
    /** 0 when the voice exists, 2 when it does not. */
    set_voice(name: string): number;
    set_rate(wordsPerMinute: number): number;
    /** Reads SSML; calls back with copies of the 16-bit samples; return false to go on. */
    synthesize(ssml: string, callback: (samples: Int16Array, events: unknown[]) => boolean | void): void;
  }
  interface ESpeakModule {
    eSpeakNGWorker: new () => ESpeakNGWorker;
  }
  const init: (moduleArg?: object) => Promise<ESpeakModule>;
  export default init;
}
