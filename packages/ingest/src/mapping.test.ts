import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MappingError } from './errors.ts';
import { loadMapping, loadMappings, parseMappingYaml } from './mapping.ts';
import { rejection, tempDir, thrown } from './ingest.fixture.ts';

const FEEDS_DIR = join(import.meta.dirname, '../../../infra/feeds');
const tmp = tempDir();
afterAll(() => tmp.cleanup());

function refusal(yaml: string): MappingError {
  const e = thrown(() => parseMappingYaml(yaml, 'test.yaml'));
  expect(e).toBeInstanceOf(MappingError);
  return e as MappingError;
}

const OK = `
feed: demo
version: 2
description: demo feed
fields:
  id_number: { source: [身份证号], parser: id_number }
  name: { source: [姓名], parser: name, required: true }
  flag: { source: [标识], parser: code, values: { 是: true, 否: false, 'Ｙ': true } }
`;

describe('mapping files', () => {
  it('loads every mapping of the repository', async () => {
    const maps = await loadMappings(FEEDS_DIR);
    expect([...maps.keys()].sort()).toEqual(['education', 'housing', 'hr', 'medical', 'register', 'rural']);
    const hr = maps.get('hr');
    expect(hr?.version).toBe(1);
    expect(hr?.fields['event']).toMatchObject({ parser: 'code', required: true });
    expect(hr?.fields['event']?.values?.['失业登记']).toBe('UNEMPLOYED');
    expect(hr?.fields['monthly_income']).toMatchObject({ parser: 'amount', required: false });
    expect(maps.get('medical')?.fields['serious_illness']?.values).toMatchObject({
      是: true,
      '0': false,
      N: false,
    });
    expect(maps.get('register')?.fields['id_number']?.required).toBe(true);
  });

  it('parses a mapping and normalises code words (NFKC)', () => {
    const m = parseMappingYaml(OK, 'x.yaml');
    expect(m.feed).toBe('demo');
    expect(m.path).toBe('x.yaml');
    expect(m.fields['flag']?.values).toEqual({ 是: true, 否: false, Y: true });
    expect(m.fields['id_number']?.required).toBe(false);
  });

  it('loadMapping reads one file; a missing file is a MappingError', async () => {
    const p = tmp.file('demo.yaml', OK);
    expect((await loadMapping(p)).feed).toBe('demo');
    expect(await rejection(loadMapping(join(tmp.dir, 'nope.yaml')))).toBeInstanceOf(MappingError);
  });

  it('refuses two files for one feed', async () => {
    const t = tempDir();
    try {
      t.file('a.yaml', OK);
      t.file('b.yml', OK);
      const e = (await rejection(loadMappings(t.dir))) as MappingError;
      expect(e).toBeInstanceOf(MappingError);
      expect(e.key).toBe('feed');
    } finally {
      t.cleanup();
    }
  });

  it.each([
    ['an unknown parser', OK.replace('parser: name', 'parser: person'), 'fields.name.parser'],
    ['a missing version', OK.replace('version: 2', ''), 'version'],
    ['a misspelt key', OK.replace('required: true', 'requird: true'), 'fields.name'],
    ['an empty alias list', OK.replace('[姓名]', '[]'), 'fields.name.source'],
    ['a bad field name', OK.replace('  name: {', '  Name: {'), 'fields.Name'],
    [
      'a code field without values',
      OK.replace(", values: { 是: true, 否: false, 'Ｙ': true }", ''),
      'fields.flag.values',
    ],
    [
      'values on a non-code field',
      OK.replace('parser: name, required: true', 'parser: name, values: { a: b }'),
      'fields.name.values',
    ],
    ['an alias used by two fields', OK.replace('[标识]', '[姓名]'), 'fields.flag.source'],
    ['an alias equal after normalisation', OK.replace('[标识]', "['姓 名']"), 'fields.flag.source'],
    ['a reserved field name', `${OK}  id_status: { source: [状态], parser: text }\n`, 'fields.id_status'],
    [
      'id_number parser on another field',
      `${OK}  other_id: { source: [证件], parser: id_number }\n`,
      'fields.other_id.parser',
    ],
    [
      'a field shadowing a derived name_norm',
      `${OK}  name_norm: { source: [规范姓名], parser: text }\n`,
      'fields.name_norm',
    ],
    ['a numeric canonical value', OK.replace('是: true', '是: 1'), 'fields.flag.values.是'],
  ])('refuses %s, naming the key', (_what, yaml, key) => {
    const e = refusal(yaml);
    expect(e.key).toBe(key);
    expect(e.message).toContain(key);
    expect(e.message).toContain('test.yaml');
  });

  it('refuses invalid YAML and duplicate keys', () => {
    expect(refusal('feed: [unclosed').message).toContain('not valid YAML');
    expect(refusal(`${OK}  name: { source: [名字], parser: name }\n`).message).toContain('not valid YAML');
  });
});
