import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveHeaders } from './headers.ts';
import { loadMappings, type FeedMapping } from './mapping.ts';
import {
  createRowMapper,
  mappedPersonFieldsSchema,
  type MappedRecord,
  type RowMapper,
  type RowReject,
} from './row-mapper.ts';
import type { SourceRow } from './table.ts';
import { validId } from './ingest.fixture.ts';

let maps: Map<string, FeedMapping>;
const mapperFor = (feed: string, headers: string[]): RowMapper => {
  const m = maps.get(feed);
  if (m === undefined) throw new Error(`no mapping ${feed}`);
  return createRowMapper(m, resolveHeaders(m, headers, maps));
};
beforeAll(async () => {
  maps = await loadMappings(join(import.meta.dirname, '../../../infra/feeds'));
});

const ID = validId('11010519491231002'); // 11010519491231002X, female, 1949-12-31
const ID_M = validId('44052418800101001'); // male, 1880
const HR = ['公民身份号码', '姓名', '业务类型', '业务日期', '月收入'];
const MEDICAL = ['身份证号', '参保人姓名', '出生日期', '个人自付金额', '大病慢特病标识', '重度残疾标识'];
const REGISTER = [
  '户编号',
  '托管镇',
  '城乡类别',
  '救助类别',
  '公民身份号码',
  '姓名',
  '与户主关系',
  '出生日期',
  '家庭月收入',
];
const HOUSING = ['证件号码', '姓名', '房屋安全等级', '名下房产套数'];

let rowNo = 1;
const row = (cells: string[], numeric?: number[]): SourceRow => ({
  rowNo: ++rowNo,
  cells,
  ...(numeric === undefined ? {} : { numericCells: new Set(numeric) }),
});

function accepted(map: RowMapper, r: SourceRow): MappedRecord['fields'] {
  const res = map(r);
  if (!res.ok) throw new Error(`rejected: ${JSON.stringify(res.rejects)}`);
  return res.record.fields;
}

function rejected(map: RowMapper, r: SourceRow): RowReject[] {
  const res = map(r);
  if (res.ok) throw new Error(`accepted: ${JSON.stringify(res.record)}`);
  return res.rejects;
}

describe('createRowMapper: feeds', () => {
  it('maps a clean hr row', () => {
    const map = mapperFor('hr', HR);
    const r = row([ID, ' 張 三 ', '失业登记', '2024/1/2', '5,000.00元']);
    const res = map(r);
    expect(res).toEqual({
      ok: true,
      record: {
        rowNo: r.rowNo,
        fields: {
          id_number: ID,
          id_status: 'VALID',
          id_raw_norm: ID,
          id_birth_date: '1949-12-31',
          id_gender: 'F',
          name: '張 三',
          name_norm: '张三',
          event: 'UNEMPLOYED',
          event_date: '2024-01-02',
          monthly_income: 5000,
        },
      },
    });
    if (res.ok) expect(mappedPersonFieldsSchema.safeParse(res.record.fields).success).toBe(true);
  });

  it('normalises the ID text and code words, and maps empty optional cells to null', () => {
    const map = mapperFor('medical', MEDICAL);
    const messy = `'${ID.slice(0, 6)} ${ID.slice(6, 14)}-${ID.slice(14).toLowerCase()}`;
    const f = accepted(map, row([messy, '欧阳·娜娜', '', '0', ' Ｙ ', '']));
    expect(f['id_number']).toBe(ID);
    expect(f['id_raw_norm']).toBe(ID);
    expect(f['name_norm']).toBe('欧阳娜娜');
    expect(f['out_of_pocket']).toBe(0);
    expect(f['birth_date']).toBeNull();
    expect(f['serious_illness']).toBe(true);
    expect(f['severe_disability']).toBeNull();
  });

  it('keeps a row with an unusable ID for fallback matching (not a reject in a feed)', () => {
    const map = mapperFor('medical', MEDICAL);
    const sci = accepted(map, row(['1.30802E+17', '李四', '1980-01-02', '100', '否', 'N']));
    expect(sci).toMatchObject({
      id_number: null,
      id_status: 'SCIENTIFIC_NOTATION',
      id_raw_norm: '1.30802E+17',
      birth_date: '1980-01-02',
    });

    const badCheck = `${ID.slice(0, 17)}${ID.endsWith('1') ? '2' : '1'}`;
    const bc = accepted(map, row([badCheck, '王五', '', '0', '是', '是']));
    expect(bc).toMatchObject({
      id_number: null,
      id_status: 'BAD_CHECK_DIGIT',
      id_birth_date: '1949-12-31',
      id_gender: 'F',
    });

    expect(accepted(map, row(['12345', '赵六', '', '0', '', '']))).toMatchObject({
      id_status: 'BAD_LENGTH',
      id_raw_norm: '12345',
    });
    expect(accepted(map, row(['', '钱七', '', '0', '', '']))).toMatchObject({
      id_status: 'EMPTY',
      id_raw_norm: null,
    });
    expect(accepted(map, row(['11010519491231002A', '孙八', '', '0', '', '']))).toMatchObject({
      id_status: 'BAD_CHARACTERS',
    });
  });

  it('upgrades a 15-digit ID, taking the century from the row birth date', () => {
    const map = mapperFor('medical', MEDICAL);
    const id15 = `${ID_M.slice(0, 6)}${ID_M.slice(8, 17)}`; // 440524 800101 001
    expect(accepted(map, row([id15, '周九', '1880-01-01', '0', '', '']))).toMatchObject({
      id_number: ID_M,
      id_status: 'VALID',
      id_raw_norm: id15,
      id_birth_date: '1880-01-01',
      id_gender: 'M',
    });
    expect(accepted(map, row([id15, '周九', '', '0', '', '']))['id_birth_date']).toBe('1980-01-01');
  });

  it('treats a numeric XLSX ID cell as digits lost, except an exact 15-digit number', () => {
    const map = mapperFor('medical', MEDICAL);
    const f = accepted(map, row(['110105194912310000', '吴十', '', '0', '', ''], [0]));
    expect(f).toMatchObject({ id_number: null, id_status: 'SCIENTIFIC_NOTATION' });
    const id15 = `${ID_M.slice(0, 6)}${ID_M.slice(8, 17)}`;
    expect(accepted(map, row([id15, '郑一', '', '0', '', ''], [0]))['id_status']).toBe('VALID');
  });

  it('warns about an unknown region code without rejecting', () => {
    const map = mapperFor('hr', HR);
    const res = map(row([validId('99010519491231002'), '冯二', '就业', '2024-01-02', '']));
    expect(res.ok).toBe(true);
    if (res.ok) expect(res.warnings?.map((w) => w.reason)).toEqual(['ID_UNKNOWN_REGION']);
  });

  it('fills absent optional columns with null', () => {
    const map = mapperFor('hr', ['姓名', '业务类型', '业务日期', '月收入']); // no ID column
    expect(accepted(map, row(['陈三', '停保', '2024-01-02', '']))).toMatchObject({
      id_number: null,
      id_status: 'EMPTY',
      id_raw_norm: null,
      id_birth_date: null,
      id_gender: null,
    });
  });
});

describe('createRowMapper: rejects', () => {
  it('COLUMN_COUNT: too few or too many cells, not salvaged', () => {
    const map = mapperFor('hr', HR);
    for (const cells of [
      [ID, '张三', '失业登记', '2024-01-02'],
      [ID, '张三', '失业登记', '2024-01-02', '', 'x'],
    ]) {
      const r = row(cells);
      expect(rejected(map, r)).toEqual([
        {
          rowNo: r.rowNo,
          column: '',
          field: '',
          value: `${cells.length} cells`,
          reason: 'COLUMN_COUNT',
          message: `row ${r.rowNo} has ${cells.length} cells but the header has 5`,
        },
      ]);
    }
  });

  it('reports every bad cell of a row, with the source header', () => {
    const map = mapperFor('hr', HR);
    const rejects = rejected(map, row([ID, '  ', '下岗', '2024-02-30', 'abc']));
    expect(rejects.map((r) => [r.reason, r.column, r.field, r.value])).toEqual([
      ['REQUIRED_MISSING', '姓名', 'name', ''],
      ['UNKNOWN_CODE', '业务类型', 'event', '下岗'],
      ['BAD_DATE', '业务日期', 'event_date', '2024-02-30'],
      ['BAD_AMOUNT', '月收入', 'monthly_income', 'abc'],
    ]);
    expect(rejects[1]?.message).toContain('失业登记, 灵活就业, 停保');
    expect(rejected(map, row([ID, '张三', '就业', '', '-5']))).toMatchObject([
      { reason: 'REQUIRED_MISSING', field: 'event_date' },
      { reason: 'NEGATIVE_AMOUNT', value: '-5' },
    ]);
    expect(rejected(map, row([ID, '·', '', '2024-01-01', '']))).toMatchObject([
      { reason: 'REQUIRED_MISSING', field: 'name', value: '·' },
      { reason: 'REQUIRED_MISSING', field: 'event' },
    ]);
  });

  it('BAD_INTEGER / NEGATIVE_INTEGER; a coded value is never defaulted', () => {
    const map = mapperFor('housing', HOUSING);
    expect(accepted(map, row([ID, '张三', 'C级', '2套']))).toMatchObject({
      safety_grade: 'C',
      property_count: 2,
    });
    expect(rejected(map, row([ID, '张三', 'E', '1.5'])).map((r) => r.reason)).toEqual([
      'UNKNOWN_CODE',
      'BAD_INTEGER',
    ]);
    expect(rejected(map, row([ID, '张三', 'ａ', '-1'])).map((r) => r.reason)).toEqual([
      'UNKNOWN_CODE',
      'NEGATIVE_INTEGER',
    ]);
  });

  it('truncates long values to 50 characters', () => {
    const map = mapperFor('hr', HR);
    const [r] = rejected(map, row([ID, '张三', '长'.repeat(80), '2024-01-01', '']));
    expect(r?.value).toBe(`${'长'.repeat(50)}…`);
  });
});

describe('createRowMapper: the register (ID required)', () => {
  const base = (id: string, extra: Partial<Record<number, string>> = {}): string[] => {
    const cells = ['3301000001', '城关镇', '农村', '低保', id, '张三', '户主', '1949-12-31', '1,200'];
    for (const [k, v] of Object.entries(extra)) cells[Number(k)] = v ?? '';
    return cells;
  };

  it('accepts a clean row', () => {
    const map = mapperFor('register', REGISTER);
    expect(accepted(map, row(base(ID)))).toMatchObject({
      household_no: '3301000001',
      town: '城关镇',
      area_type: 'RURAL',
      assistance_status: 'DIBAO',
      relation: 'HEAD',
      id_number: ID,
      monthly_income: 1200,
      refused_before: null,
    });
  });

  it('rejects an unusable ID with a masked value and a message without it', () => {
    const map = mapperFor('register', REGISTER);
    const badCheck = `${ID.slice(0, 17)}${ID.endsWith('1') ? '2' : '1'}`;
    const cases: [string, string][] = [
      ['1.30802E+17', 'ID_SCIENTIFIC_NOTATION'],
      [badCheck, 'ID_BAD_CHECK_DIGIT'],
      ['1101051949', 'ID_BAD_LENGTH'],
      ['11010519491231002A', 'ID_BAD_CHARACTERS'],
      [validId('11010519491331002'), 'ID_BAD_BIRTH_DATE'], // month 13
      ['', 'REQUIRED_MISSING'],
    ];
    for (const [id, reason] of cases) {
      const rejects = rejected(map, row(base(id)));
      expect(rejects.map((r) => r.reason)).toEqual([reason]);
      const [r] = rejects;
      expect(r?.column).toBe('公民身份号码');
      expect(r?.field).toBe('id_number');
      if (id.length >= 15) {
        expect(r?.value).toMatch(/^\d{6}\*{8}\w{4}$/);
        expect(JSON.stringify(rejects)).not.toContain(id);
      }
    }
  });

  it('rejects a numeric XLSX cell in the ID column and in a text column with more than 15 digits', () => {
    const map = mapperFor('register', REGISTER);
    expect(rejected(map, row(base('110105194912310000'), [4])).map((r) => r.reason)).toEqual([
      'ID_NUMERIC_CELL',
    ]);
    const longNo = base(ID, { 0: '330100000100200300' });
    expect(rejected(map, row(longNo, [0])).map((r) => r.reason)).toEqual(['NUMERIC_DIGITS_LOST']);
    expect(accepted(map, row(base(ID, { 0: '3301000001' }), [0]))['household_no']).toBe('3301000001');
  });
});
