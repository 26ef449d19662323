// `npm run build` (after the web app): compiles the server to plain JavaScript in build/server/,
// so a town hall's machine runs `node build/server/main.js` with neither TypeScript nor a loader.
//
// One bundle per entry point: the server (main.js, through server/src/built-main.ts), `npm run demo:lock` (demo-lock.js) and each
// module a worker thread loads (WORKERS below). Packages are not bundled: node_modules provides them at run time (native
// modules, the speech engine, pino's transports), except the query builder (see bundledPackages).
//
// Files the server reads beside its sources (migrations, the shipped procedure catalog, the
// printers' fonts, the plain-JavaScript worker entries, package.json) stay where they are: in each
// bundled module, `import.meta.url` is rewritten to that module's own place in the source tree,
// seen from the bundle, so every `new URL('../../migrations', import.meta.url)` finds the same
// file as under tsx. The built server therefore runs from a checkout (the project root with
// build/ in it), wherever that checkout is.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
// `--outdir DIR` builds elsewhere (the tests build into a temporary folder).
const at = process.argv.indexOf('--outdir');
const outdir = at > 0 ? path.resolve(process.argv[at + 1]) : path.join(root, 'build/server');

/** The TypeScript modules a worker thread loads by URL, and the bundle each becomes. */
const WORKERS = {
  'server/src/speech/speech.worker.ts': 'speech.worker',
  'server/src/procedures/procedure-parse.worker.ts': 'procedure-parse.worker'
};

const posix = (p) => p.split(path.sep).join('/');

/** `new URL('<file>.ts', import.meta.url)` (a worker module) or a bare `import.meta.url`. */
const metaUrl = /new URL\((['"])([^'"]+\.ts)\1,\s*import\.meta\.url\)|import\.meta\.(url|dirname|filename)\b/g;

const sourcePlaces = {
  name: 'source-places',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, 'utf8');
      const fromBundle = JSON.stringify(posix(path.relative(outdir, args.path)));
      const file = posix(path.relative(root, args.path));
      const contents = source.replace(metaUrl, (match, _quote, workerPath, property) => {
        if (workerPath) {
          const target = posix(path.relative(root, path.resolve(path.dirname(args.path), workerPath)));
          const bundle = WORKERS[target];
          if (!bundle) {
            throw new Error(`${file}: ${workerPath} is TypeScript loaded by URL; add it to WORKERS in scripts/build-server.mjs`);
          }
          return `new URL('./${bundle}.js', import.meta.url)`;
        }
        if (property !== 'url') {
          throw new Error(`${file}: use new URL(…, import.meta.url) rather than import.meta.${property} in server code`);
        }
        return `new URL(${fromBundle}, import.meta.url).href`;
      });
      return { contents, loader: 'ts' };
    });
  }
};

/**
 * Packages stay outside the bundle, except the query builder: loaded from node_modules, Kysely's
 * few hundred modules take about 17 MB of every server's memory; bundled, the part Guichet uses
 * takes under 2 MB. It is plain JavaScript with no dependency of its own.
 */
const bundledPackages = ['kysely'];
const externalPackages = {
  name: 'external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
      return bundledPackages.includes(name) ? undefined : { path: args.path, external: true };
    });
  }
};

fs.rmSync(outdir, { recursive: true, force: true });
await esbuild.build({
  absWorkingDir: root,
  entryPoints: {
    main: 'server/src/built-main.ts',
    // `npm run demo:lock`, which an installation without the development tools runs too.
    'demo-lock': 'scripts/demo-lock.ts',
    // `npm run backup` (the nightly timer) and `npm run restore FILE`, likewise.
    backup: 'scripts/backup.ts',
    // `npm run operator:create` on the server's console.
    'operator-create': 'scripts/operator-create.ts',
    restore: 'scripts/restore.ts',
    ...Object.fromEntries(Object.entries(WORKERS).map(([source, bundle]) => [bundle, source]))
  },
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  // Code shared by the entries goes to chunks beside them (in outdir itself: the paths rewritten
  // above are relative to it). It also keeps the server out of main.js: see built-main.ts.
  splitting: true,
  target: 'node20.19',
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  plugins: [externalPackages, sourcePlaces]
});
// V8 keeps a module's source text in memory as long as the module lives, one byte per character
// if all of it is Latin-1, two otherwise: one « → » in a kept comment doubles a whole bundle's
// share of an idle server's memory. Strings are escaped by esbuild; comments and regular
// expressions are not, so such a character in them stops the build here, with where it is.
const wide = [];
for (const file of fs.readdirSync(outdir).filter((f) => f.endsWith('.js'))) {
  const lines = fs.readFileSync(path.join(outdir, file), 'utf8').split('\n');
  lines.forEach((line, i) => {
    const found = line.match(/[\u0100-\u{10ffff}]/u);
    if (found) wide.push(`build/server/${file}:${i + 1}: « ${found[0]} » in ${line.trim().slice(0, 100)}`);
  });
}
if (wide.length > 0) {
  console.error(
    'The built server holds characters beyond Latin-1 (write them as \\u escapes, or in plain words in comments):\n' +
      wide.join('\n')
  );
  process.exit(1);
}
console.log(`Server built: ${posix(path.relative(root, path.join(outdir, 'main.js')))}`);
