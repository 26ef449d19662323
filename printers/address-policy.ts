/**
 * Which printer addresses this server may use. A printer address is typed by a manager, and the
 * server acts on it with its own rights: a `file://` path it writes to, a `folder://` it creates
 * files in, a `tcp://` host it connects to. Unchecked, that is a way to write any file the server
 * can write and to probe the services of the machine it runs on. So:
 * - `file://` only names a character device under /dev/usb (usblp), and only when the site uses
 *   USB printers;
 * - `folder://` only names a folder inside the data folder, and only when folder printers are on;
 * - `tcp://` never reaches this machine (loopback, the unspecified address) nor the server's own
 *   port, unless allowed; names are resolved and every address they give is checked.
 * Each check runs when the address is saved and again each time a driver uses it: an address
 * stored before these rules, or a name that resolves to something else later, is refused too.
 */
import dns from 'node:dns/promises';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { PrinterTarget } from './create-driver';

export interface PrinterAddressPolicy {
  /** `file:///dev/usb/lp0` and the other USB receipt printers are allowed. */
  usbDevices: boolean;
  /** The folder `folder://` printers must be inside, or null when folder printers are off. */
  folderRoot: string | null;
  /** `tcp://` may reach this machine (loopback addresses, the server's own port). */
  loopback: boolean;
  /** The port the server listens on, once it listens. */
  serverPort(): number | null;
}

/** Where the kernel's usblp driver puts USB printers. */
export const usbDeviceRoot = '/dev/usb';

const settingNames = {
  usb: 'GUICHET_USB_PRINTERS',
  folder: 'GUICHET_FOLDER_PRINTERS',
  loopback: 'GUICHET_LOOPBACK_PRINTERS'
} as const;

/**
 * Addresses that reach this machine: 127.0.0.0/8, 0.0.0.0/8 (Linux connects 0.0.0.0 to itself),
 * ::1, :: and the IPv4-compatible ::a.b.c.d. The block list also matches IPv4-mapped IPv6 addresses
 * (::ffff:127.0.0.1) against the IPv4 ranges.
 */
const thisMachine = new net.BlockList();
thisMachine.addSubnet('127.0.0.0', 8, 'ipv4');
thisMachine.addSubnet('0.0.0.0', 8, 'ipv4');
thisMachine.addSubnet('::', 96, 'ipv6');

function isLoopbackAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return false;
  return thisMachine.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** `localhost` and its subdomains (RFC 6761), or an address literal of this machine. */
function isLoopbackName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost') || isLoopbackAddress(name);
}

/** Every address a host name gives (shorthands such as 127.1 included); empty when it gives none. */
async function addressesOf(host: string): Promise<string[]> {
  if (net.isIP(host)) return [host];
  try {
    return (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch {
    return [];
  }
}

const loopbackRefusal = (what: string) =>
  `${what}: a printer on the hall network has its own address (set ${settingNames.loopback}=1 to allow this)`;

function ownPortRefusal(port: number, policy: PrinterAddressPolicy): string | null {
  if (policy.loopback || port !== policy.serverPort()) return null;
  return `uses port ${port}, Guichet's own port: a receipt printer listens on its own port, usually 9100 (set ${settingNames.loopback}=1 to allow this)`;
}

export type TcpResolution = { address: string } | { refused: string } | { unknown: true };

/**
 * Where a `tcp://` driver may connect: the host's first address once every address it resolves to
 * is allowed. The driver connects to that address, not to the name again, so a name cannot resolve
 * to an allowed address for the check and to this machine for the connection.
 */
export async function resolveTcp(host: string, port: number, policy: PrinterAddressPolicy): Promise<TcpResolution> {
  const ownPort = ownPortRefusal(port, policy);
  if (ownPort) return { refused: ownPort };
  if (!policy.loopback && isLoopbackName(host)) return { refused: loopbackRefusal(`names this machine (${host})`) };
  const addresses = await addressesOf(host);
  const [first] = addresses;
  if (first === undefined) return { unknown: true };
  const local = policy.loopback ? undefined : addresses.find(isLoopbackAddress);
  if (local) return { refused: loopbackRefusal(`resolves to this machine (${local})`) };
  return { address: first };
}

/** `child` is `root` itself or inside it (both absolute and normalized). */
export function isInside(child: string, root: string, strictly = false): boolean {
  const relative = path.relative(root, child);
  if (relative === '') return !strictly;
  return relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}

/**
 * The real path of `file`, through every symbolic link, also when its last parts do not exist yet:
 * the real path of the nearest existing parent, with the missing parts added back.
 */
async function realPathOfNearest(file: string): Promise<string> {
  const missing: string[] = [];
  let current = path.resolve(file);
  for (;;) {
    try {
      return path.join(await fs.realpath(current), ...missing.reverse());
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return path.join(current, ...missing.reverse());
      missing.push(path.basename(current));
      current = parent;
    }
  }
}

/** Why a USB device path is refused (its text, then where it really leads), or null. */
async function deviceRefusal(file: string, root = usbDeviceRoot): Promise<string | null> {
  const outside = `must be a USB printer device under ${root}/ (such as file://${root}/lp0)`;
  if (!isInside(path.normalize(file), root, true)) return outside;
  if (!isInside(await realPathOfNearest(file), await realPathOfNearest(root), true)) {
    return `${outside}: it leads to ${await realPathOfNearest(file)}`;
  }
  try {
    if (!(await fs.stat(file)).isCharacterDevice()) return `${outside}: this is not a device`;
  } catch {
    // Not plugged in yet: checked again each time the driver opens it.
  }
  return null;
}

/** Why a folder is refused (its text, then where it really leads), or null. */
async function folderRefusal(folder: string, root: string): Promise<string | null> {
  const outside = `must be a folder inside Guichet's data folder (${root})`;
  if (!isInside(path.normalize(folder), root, true)) return outside;
  if (!isInside(await realPathOfNearest(folder), await realPathOfNearest(root), true)) {
    return `${outside}: it leads to ${await realPathOfNearest(folder)}`;
  }
  return null;
}

/** Why this address may not be used on this server, or null when it may. */
export async function targetRefusal(target: PrinterTarget, policy: PrinterAddressPolicy): Promise<string | null> {
  switch (target.transport) {
    case 'tcp': {
      const resolution = await resolveTcp(target.host, target.port, policy);
      return 'refused' in resolution ? resolution.refused : null;
    }
    case 'device':
      if (!policy.usbDevices) return `is a device file: USB printers are off on this server (set ${settingNames.usb}=1)`;
      return deviceRefusal(target.path);
    case 'folder':
      if (policy.folderRoot === null) {
        return `is a folder: folder printers are off on this server (set ${settingNames.folder}=1)`;
      }
      return folderRefusal(target.path, policy.folderRoot);
    case 'cups':
      return null;
  }
}

/** The same rules, on the address's text only (no name resolution, no file system): for a driver being built. */
export function targetRefusalNow(target: PrinterTarget, policy: PrinterAddressPolicy): string | null {
  switch (target.transport) {
    case 'tcp':
      if (!policy.loopback && isLoopbackName(target.host)) return loopbackRefusal(`names this machine (${target.host})`);
      return ownPortRefusal(target.port, policy);
    case 'device':
      if (!policy.usbDevices) return `is a device file: USB printers are off on this server (set ${settingNames.usb}=1)`;
      return isInside(path.normalize(target.path), usbDeviceRoot, true) ? null : `must be under ${usbDeviceRoot}/`;
    case 'folder':
      if (policy.folderRoot === null) {
        return `is a folder: folder printers are off on this server (set ${settingNames.folder}=1)`;
      }
      return isInside(path.normalize(target.path), policy.folderRoot, true) ? null : `must be inside ${policy.folderRoot}`;
    case 'cups':
      return null;
  }
}
