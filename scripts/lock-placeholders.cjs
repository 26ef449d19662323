/**
 * `npm run lock:fix`, after any dependency change. The registry this project installs from
 * may not carry every platform's package (today: @lix-js/sdk's darwin, linux-arm64 and win32
 * builds). npm leaves those optional packages out of package-lock.json, and `npm ci` then refuses
 * the lock file as out of sync. This adds an `{ "optional": true }` placeholder where npm's own
 * ideal tree expects each of them, so `npm ci` installs from the lock file as is.
 *
 * When the registry later starts carrying one of them, npm stops on its placeholder with
 * "Invalid Version". `npm run lock:fix -- --refresh` then removes every placeholder first; run
 * `npm install` after it, then `npm run lock:fix` again.
 */
const fs = require('node:fs');
const path = require('node:path');
// npm's own tree builder, as a devDependency of its own (npm has no setting that writes these
// placeholders: `npm install` leaves them out, and `npm ci` then rejects the lock file).
const Arborist = require('@npmcli/arborist');

(async () => {
  const root = path.resolve(__dirname, '..');
  const lockFile = path.join(root, 'package-lock.json');
  if (process.argv.includes('--refresh')) {
    const lock = JSON.parse(fs.readFileSync(lockFile, 'utf8'));
    const placeholders = Object.keys(lock.packages).filter((location) => location && !lock.packages[location].version);
    for (const location of placeholders) delete lock.packages[location];
    fs.writeFileSync(lockFile, JSON.stringify(lock, null, 2) + '\n');
    console.log(`package-lock.json: ${placeholders.length} placeholder(s) removed; now run npm install, then npm run lock:fix.`);
    return;
  }
  const arborist = new Arborist({ path: root });
  await arborist.buildIdealTree();
  const lock = JSON.parse(fs.readFileSync(lockFile, 'utf8'));
  let added = 0;
  for (const [location, node] of arborist.idealTree.inventory) {
    if (location && !node.version && !lock.packages[location]) {
      lock.packages[location] = { optional: true };
      added++;
    }
  }
  fs.writeFileSync(lockFile, JSON.stringify(lock, null, 2) + '\n');
  console.log(`package-lock.json: ${added} placeholder(s) added for packages this registry does not carry.`);
})();
