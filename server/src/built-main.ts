/**
 * The entry of the built server (`build/server/main.js`, see scripts/build-server.mjs): one memory
 * setting, then the server itself (main.ts).
 */
import { setFlagsFromString } from 'node:v8';

// V8 lets the young generation grow to 16 MB a half while the server loads its modules, and an
// idle server keeps what it grew to. 2 MB is plenty for the small, short-lived objects of relaying
// rings and keystrokes, and leaves some 25 MB more to a small machine. Set before any package loads:
// the server comes in through the dynamic import below, in its own chunk.
setFlagsFromString('--semi-space-growth-factor=1');
await import('./main');
