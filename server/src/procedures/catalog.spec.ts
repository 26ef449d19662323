import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localizedText } from '../../../shared/procedures/schema';
import { loadCatalog, shippedCatalogDir } from './catalog';

describe('the shipped catalog', () => {
  const catalog = loadCatalog(shippedCatalogDir);

  it('loads every file without a problem', () => {
    expect(catalog.errors).toEqual([]);
  });

  it('has the six town-hall procedures', () => {
    expect(catalog.procedures.map((p) => p.id).sort()).toEqual([
      'acte-etat-civil',
      'aide-sociale-ccas',
      'carte-identite-passeport',
      'changement-adresse',
      'inscription-listes-electorales',
      'recensement-citoyen'
    ]);
  });

  it('says every text in French, English and Arabic', () => {
    const missing: string[] = [];
    const visit = (value: unknown, where: string) => {
      if (Array.isArray(value)) return value.forEach((v, i) => visit(v, `${where}.${i}`));
      if (typeof value !== 'object' || value === null) return;
      if (localizedText.safeParse(value).success && 'fr' in value) {
        for (const locale of ['en', 'ar']) if (!(locale in value)) missing.push(`${where}.${locale}`);
        return;
      }
      for (const [k, v] of Object.entries(value)) visit(v, `${where}.${k}`);
    };
    for (const p of catalog.procedures) visit(p, p.id);
    expect(missing).toEqual([]);
  });

  it('puts a narrow no-break space before « ? », « ! », « : » and « ; » in French, never a breakable one', () => {
    const loose: string[] = [];
    const visit = (value: unknown, where: string) => {
      if (Array.isArray(value)) return value.forEach((v, i) => visit(v, `${where}.${i}`));
      if (typeof value !== 'object' || value === null) return;
      for (const [k, v] of Object.entries(value)) {
        if (k === 'fr' && typeof v === 'string' && /\S[ \u00a0][?!:;]/.test(v)) loose.push(`${where}: ${v}`);
        else visit(v, `${where}.${k}`);
      }
    };
    for (const p of catalog.procedures) visit(p, p.id);
    expect(loose).toEqual([]);
  });

  it('sends social help to an agent first', () => {
    expect(catalog.procedures.find((p) => p.id === 'aide-sociale-ccas')?.agentFirst).toBe(true);
  });

  it('uses branches: each procedure has at least one condition', () => {
    for (const p of catalog.procedures) {
      expect(JSON.stringify(p.steps), p.id).toContain('"when"');
    }
  });
});

describe('loadCatalog', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-catalog-'));
    fs.copyFileSync(path.join(shippedCatalogDir, 'carte-identite-passeport.yaml'), path.join(dir, 'a-valid.yaml'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses a broken file, naming file, line and field, and still loads the others', () => {
    fs.writeFileSync(
      path.join(dir, 'b-broken.yaml'),
      'id: broken\nversion: 0\nservice: accueil\npictogram: rocket\ntitle: { fr: Cassé }\nsummary: { fr: x }\nsteps: []\n'
    );
    const catalog = loadCatalog(dir);
    expect(catalog.procedures.map((p) => p.id)).toEqual(['carte-identite-passeport']);
    expect(catalog.errors).toHaveLength(1);
    expect(catalog.errors[0]!.file).toBe('b-broken.yaml');
    expect(catalog.errors[0]!.problems.map((p) => [p.path, p.line])).toEqual([
      ['version', 2],
      ['pictogram', 4],
      ['steps', 7]
    ]);
  });

  it('refuses a second procedure with the same id', () => {
    fs.copyFileSync(path.join(dir, 'a-valid.yaml'), path.join(dir, 'c-copy.yml'));
    const catalog = loadCatalog(dir);
    expect(catalog.procedures).toHaveLength(1);
    expect(catalog.errors).toEqual([
      {
        file: 'c-copy.yml',
        problems: [
          {
            path: 'id',
            line: null,
            code: 'other',
            params: {},
            message: 'id "carte-identite-passeport" is already used by a-valid.yaml'
          }
        ]
      }
    ]);
  });

  it('ignores files that are not procedures', () => {
    fs.writeFileSync(path.join(dir, 'README.md'), '# notes');
    expect(loadCatalog(dir).errors).toEqual([]);
  });
});
