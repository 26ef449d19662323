/**
 * zod, as every schema of shared/ imports it. In a browser, Guichet's pages forbid `eval` (CSP
 * `script-src 'self'`): zod's compiled object parsers would probe `new Function('')` there, be
 * refused, and have the refusal reported on every page. zod reads `jitless` when it builds a
 * schema, so it is set here, before any schema module builds one. The server keeps the compiled
 * parsers: the same checks, faster.
 */
import { z } from 'zod';

if (typeof window !== 'undefined') z.config({ jitless: true });

export { z };
