import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { IngestError } from './errors.ts';
import { fitHeaders, resolveHeaders } from './headers.ts';
import { loadMappings, parseMappingYaml, type FeedMapping } from './mapping.ts';
import { thrown } from './ingest.fixture.ts';

let maps: Map<string, FeedMapping>;
const feed = (name: string): FeedMapping => {
  const m = maps.get(name);
  if (m === undefined) throw new Error(`no mapping ${name}`);
  return m;
};
beforeAll(async () => {
  maps = await loadMappings(join(import.meta.dirname, '../../../infra/feeds'));
});

function refusal(f: () => unknown): IngestError {
  const e = thrown(f);
  expect(e).toBeInstanceOf(IngestError);
  return e as IngestError;
}

const HR = ['公民身份号码', '姓名', '业务类型', '业务日期', '月收入'];
const MEDICAL = ['身份证号', '姓名', '出生日期', '个人自付金额', '大病慢特病标识', '重度残疾标识'];

describe('resolveHeaders', () => {
  it('maps every field to its column through the aliases', () => {
    const r = resolveHeaders(feed('hr'), HR, maps, { file: 'hr.csv' });
    expect(r.feed).toBe('hr');
    expect(Object.fromEntries(Object.entries(r.columns).map(([f, c]) => [f, c.index]))).toEqual({
      id_number: 0,
      name: 1,
      event: 2,
      event_date: 3,
      monthly_income: 4,
    });
    expect(r.unknown).toEqual([]);
    expect(r.warnings).toEqual([]);
  });

  it('normalises header text: BOM, zero-width, full-width, spaces', () => {
    const headers = ['\uFEFF身份证号', ' 姓 名 ', '业务\u200B类型', '登记日期', '月收入（元）'];
    const r = resolveHeaders(feed('hr'), headers, maps);
    expect(r.columns['id_number']?.index).toBe(0);
    expect(r.columns['name']?.header).toBe('姓 名');
    expect(r.columns['event']?.index).toBe(2);
    expect(r.columns['event_date']?.index).toBe(3);
    expect(r.columns['monthly_income']?.header).toBe('月收入（元）'); // quoted as in the file
  });

  it('tolerates unknown columns and absent optional ones, as warnings', () => {
    const r = resolveHeaders(
      feed('hr'),
      ['身份证号', '姓名', '业务类型', '业务日期', '联系电话', '备注', ''],
      maps,
    );
    expect(r.unknown.map((u) => u.header)).toEqual(['联系电话', '备注']);
    expect(r.missingOptional).toEqual(['monthly_income']);
    expect(r.warnings).toEqual([
      {
        code: 'COLUMNS_IGNORED',
        message: 'column(s) the hr mapping does not know, ignored: "联系电话", "备注"',
        columns: ['联系电话', '备注'],
      },
      expect.objectContaining({ code: 'OPTIONAL_FIELDS_ABSENT', fields: ['monthly_income'] }),
    ]);
    expect(r.warnings[1]?.message).toContain('monthly_income');
  });

  it('refuses a missing required column, naming it and the unknown ones', () => {
    const e = refusal(() =>
      resolveHeaders(feed('hr'), ['身份证号', '姓名', '类型', '业务日期'], maps, {
        file: 'hr.csv',
        headerRowNo: 1,
      }),
    );
    expect(e.code).toBe('HEADER_MISMATCH');
    expect(e.details.missingFields).toEqual(['event']);
    expect(e.details.unknownColumns).toEqual(['类型']);
    expect(e.row).toBe(1);
    expect(e.message).toContain('hr.csv');
    expect(e.message).toContain('event ("业务类型" or "就业状态")');
    expect(e.message).toContain('"类型"');
  });

  it('refuses a file where none of the optional columns is present', () => {
    const e = refusal(() => resolveHeaders(feed('hr'), ['姓名', '业务类型', '业务日期'], maps));
    expect(e.code).toBe('HEADER_MISMATCH');
    expect(e.message).toContain('none of the optional columns');
  });

  it('refuses two columns for one field', () => {
    const e = refusal(() => resolveHeaders(feed('medical'), [...MEDICAL, '公民身份号码'], maps));
    expect(e.code).toBe('HEADER_MISMATCH');
    expect(e.details.ambiguousColumns).toEqual(['身份证号', '公民身份号码']);
    const dup = refusal(() => resolveHeaders(feed('hr'), [...HR, '姓名'], maps));
    expect(dup.message).toContain('"姓名" and "姓名"');
  });

  it('refuses completely wrong headers', () => {
    const e = refusal(() => resolveHeaders(feed('medical'), ['a', 'b', 'c'], maps));
    expect(e.code).toBe('HEADER_MISMATCH');
    expect(e.details.unknownColumns).toEqual(['a', 'b', 'c']);
    // a file without line breaks: thousands of "headers", the message stays short
    const many = Array.from({ length: 5000 }, (_, i) => `列${i}`);
    const big = refusal(() => resolveHeaders(feed('medical'), many, maps));
    expect(big.message).toContain('and 4980 more');
    expect(big.message.length).toBeLessThan(1000);
    expect(big.details.unknownColumns).toHaveLength(200);
  });

  it('refuses an hr file offered as medical: WRONG_FEED naming hr', () => {
    const e = refusal(() => resolveHeaders(feed('medical'), HR, maps, { file: 'medical.csv' }));
    expect(e.code).toBe('WRONG_FEED');
    expect(e.details.suggestedFeed).toBe('hr');
    expect(e.message).toContain('this looks like the hr feed');
    expect(e.message).toContain('out_of_pocket');
    // without the other mappings it is a plain header mismatch
    expect(refusal(() => resolveHeaders(feed('medical'), HR)).code).toBe('HEADER_MISMATCH');
  });

  it('refuses a file of another feed even when it would pass this feed (ID + name fit housing)', () => {
    const e = refusal(() => resolveHeaders(feed('housing'), MEDICAL, maps));
    expect(e.code).toBe('WRONG_FEED');
    expect(e.details.suggestedFeed).toBe('medical');
    const rural = ['证件号码', '姓名', '监测对象类别', '风险状态', '识别时间'];
    expect(refusal(() => resolveHeaders(feed('housing'), rural, maps)).details.suggestedFeed).toBe('rural');
    const register = [
      '户编号',
      '托管镇',
      '城乡类别',
      '救助类别',
      '公民身份号码',
      '姓名',
      '与户主关系',
      '出生日期',
    ];
    expect(refusal(() => resolveHeaders(feed('medical'), register, maps)).details.suggestedFeed).toBe(
      'register',
    );
  });

  it('accepts a legitimate file with extra columns and does not cry wrong feed', () => {
    const housing = ['证件号码', '姓名', '所在镇', '房屋安全等级', '名下房产套数', '联系电话', '备注'];
    expect(resolveHeaders(feed('housing'), housing, maps).unknown).toHaveLength(2);
    const medicalShort = ['身份证号', '姓名', '出生日期', '自付费用', '大病慢特病标识', '重度残疾标识'];
    // a renamed required column: this feed's problem, not another feed
    expect(refusal(() => resolveHeaders(feed('medical'), medicalShort, maps)).code).toBe('HEADER_MISMATCH');
    for (const m of maps.values()) {
      const headers = Object.values(m.fields).map((f) => f.source[0] ?? '');
      expect(resolveHeaders(m, headers, maps).feed).toBe(m.feed);
    }
  });

  it('fitHeaders scores without throwing', () => {
    const fit = fitHeaders(feed('medical'), HR);
    expect(fit.passes).toBe(false);
    expect(fit.matched).toBe(2);
    expect(fit.requiredMissing).toEqual(['out_of_pocket']);
  });

  it('handles a mapping with only required fields', () => {
    const m = parseMappingYaml(
      'feed: x\nversion: 1\nfields:\n  a: { source: [甲], parser: text, required: true }\n',
    );
    expect(resolveHeaders(m, ['甲']).columns['a']?.index).toBe(0);
  });
});
