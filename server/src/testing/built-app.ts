/** The web app as built (kiosk/build), as the server serves it, for tests of what pages answer. */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLogger } from '../logger';
import type { KitHandler } from '../http/http-app';
import { serveStaticFirst } from '../http/static-files';

const kitBuild = path.resolve(import.meta.dirname, '../../../kiosk/build');

export async function builtKitHandler(): Promise<KitHandler> {
  const file = path.join(kitBuild, 'handler.js');
  if (!fs.existsSync(file)) throw new Error('The web app is not built: run "npx vite build" before this test');
  const mod = (await import(pathToFileURL(file).href)) as { handler: KitHandler };
  return serveStaticFirst(mod.handler, path.join(kitBuild, 'client'), createLogger('silent'));
}
