/**
 * `npm run lock:fix`, after any dependency change. The registry this project installs from
 * carries only the platform packages for this kind of machine (Linux x64). npm leaves the other
 * platforms' optional packages (rollup-darwin-arm64, …) out of package-lock.json, and `npm ci`
 * then refuses the lock file as out of sync. This adds an `{ "optional": true }` placeholder
 * where npm's own ideal tree expects each of them, so `npm ci` installs from the lock file as is.
 */
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const npmRoot = path.dirname(path.dirname(fs.realpathSync(execFileSync('which', ['npm']).toString().trim())));
const Arborist = require(path.join(npmRoot, 'node_modules/@npmcli/arborist'));

(async () => {
  const root = path.resolve(__dirname, '..');
  const arborist = new Arborist({ path: root });
  await arborist.buildIdealTree();
  const lockFile = path.join(root, 'package-lock.json');
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
