import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FolderDriver } from './folder';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
});

function tempFolder(): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-folder-'));
  folders.push(folder);
  return folder;
}

const receipt = Buffer.from([0x1b, 0x40, 0x41, 0x0a, 0x1d, 0x56, 0x00]);
const pdf = Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n', 'latin1');

describe('folder driver (folder:///path)', () => {
  it('writes each job to the next numbered file, .bin for ESC/POS and .pdf for a PDF', async () => {
    const folder = tempFolder();
    fs.writeFileSync(path.join(folder, 'notes.txt'), 'not a job');
    const driver = new FolderDriver(`folder://${folder}`, 'receipt', folder, path.dirname(folder));
    expect(await driver.print(receipt)).toEqual({ fault: null, paperNearEnd: false });
    expect(await driver.print(pdf)).toEqual({ fault: null, paperNearEnd: false });
    expect(fs.readdirSync(folder).sort()).toEqual(['000001.bin', '000002.pdf', 'notes.txt']);
    expect(fs.readFileSync(path.join(folder, '000001.bin')).equals(receipt)).toBe(true);
    expect(fs.readFileSync(path.join(folder, '000002.pdf')).equals(pdf)).toBe(true);
  });

  it('goes on after the highest number already there, and numbers simultaneous jobs in call order', async () => {
    const folder = tempFolder();
    fs.writeFileSync(path.join(folder, '000041.pdf'), pdf);
    const driver = new FolderDriver(`folder://${folder}`, 'a4', folder, path.dirname(folder));
    const jobs = [0, 1, 2, 3, 4].map((i) => Buffer.from([0x1b, 0x40, 0x30 + i]));
    await Promise.all(jobs.map((job) => driver.print(job)));
    expect(fs.readdirSync(folder).sort()).toEqual([
      '000041.pdf',
      '000042.bin',
      '000043.bin',
      '000044.bin',
      '000045.bin',
      '000046.bin'
    ]);
    jobs.forEach((job, i) => expect(fs.readFileSync(path.join(folder, `0000${42 + i}.bin`)).equals(job)).toBe(true));
  });

  it('reports unreachable, and writes nothing, when the folder is missing or is a file', async () => {
    const folder = tempFolder();
    const missing = new FolderDriver('folder:///missing', 'receipt', path.join(folder, 'missing'), folder);
    expect(await missing.status()).toEqual({ fault: 'unreachable', paperNearEnd: false });
    expect((await missing.print(receipt)).fault).toBe('unreachable');
    expect(fs.existsSync(path.join(folder, 'missing'))).toBe(false);

    const file = path.join(folder, 'a-file');
    fs.writeFileSync(file, '');
    expect((await new FolderDriver('folder:///a-file', 'receipt', file, folder).status()).fault).toBe('unreachable');
  });

  it('refuses, and writes nothing, a folder that leads out of its root through a link', async () => {
    const root = tempFolder();
    const outside = tempFolder();
    fs.symlinkSync(outside, path.join(root, 'prints'));
    const driver = new FolderDriver('folder:///prints', 'receipt', path.join(root, 'prints'), root);
    expect(await driver.status()).toEqual({ fault: 'error', paperNearEnd: false });
    expect((await driver.print(receipt)).fault).toBe('error');
    expect(fs.readdirSync(outside)).toEqual([]);
    // The root itself is not a printer folder: the data folder's own files stay apart from jobs.
    expect((await new FolderDriver('folder:///', 'receipt', root, root).print(receipt)).fault).toBe('error');
    expect(fs.readdirSync(root)).toEqual(['prints']);
  });
});
