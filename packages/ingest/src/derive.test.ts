// Fields derived from another column when their own is absent (mapping `derive`): refused_before
// from a refusal date, a value list, a date; the header warnings say so.
import { describe, expect, it } from 'vitest';
import { resolveHeaders } from './headers.ts';
import { parseMappingYaml } from './mapping.ts';
import { createRowMapper } from './row-mapper.ts';
import { MappingError } from './errors.ts';
import { thrown } from './ingest.fixture.ts';

const MAPPING = parseMappingYaml(`
feed: demo
version: 1
fields:
  name: { source: [姓名], parser: name, required: true }
  refused_before:
    source: [曾申请未通过]
    parser: code
    values: { 是: true, 否: false }
    derive: { from: [未通过日期, 曾申请未通过日期], rule: present }
  refused_on: { source: [未通过日期, 曾申请未通过日期], parser: date }
  status:
    source: [救助类别]
    parser: code
    values: { 低保: DIBAO, 一般: NONE }
    derive: { from: [保障类型], rule: values, values: { 城乡低保: DIBAO, 无: NONE } }
  event_date: { source: [业务日期], parser: date, derive: { from: [办理时间], rule: date } }
`);

function map(headers: string[], rows: string[][]) {
  const resolved = resolveHeaders(MAPPING, headers);
  const mapper = createRowMapper(MAPPING, resolved);
  return { resolved, results: rows.map((cells, i) => mapper({ rowNo: i + 2, cells })) };
}

describe('derived fields', () => {
  it('refused_before from the refusal date when the flag column is absent, and says so', () => {
    const { resolved, results } = map(
      ['姓名', '曾申请未通过日期', '救助类别', '业务日期'],
      [
        ['张三', '2022-06-01', '一般', '2023-01-01'],
        ['李四', '', '低保', '2023-01-01'],
      ],
    );
    expect(results.map((r) => r.ok && r.record.fields['refused_before'])).toEqual([true, false]);
    expect(results.map((r) => r.ok && r.record.fields['refused_on'])).toEqual(['2022-06-01', null]);
    expect(resolved.warnings).toEqual([
      {
        code: 'FIELD_DERIVED',
        message:
          'refused_before ("曾申请未通过") has no column: derived from "曾申请未通过日期" (true where it is not empty, else false)',
        columns: ['曾申请未通过日期'],
        fields: ['refused_before'],
      },
    ]);
  });

  it('the own column wins when present; no warning', () => {
    const { resolved, results } = map(
      ['姓名', '曾申请未通过', '未通过日期', '救助类别', '业务日期'],
      [['张三', '否', '2022-06-01', '一般', '2023-01-01']],
    );
    expect(results[0]?.ok && results[0].record.fields['refused_before']).toBe(false);
    expect(resolved.warnings).toEqual([]);
  });

  it('a value list and a date, from columns no field maps (not reported as ignored)', () => {
    const { resolved, results } = map(
      ['姓名', '曾申请未通过', '保障类型', '办理时间'],
      [
        ['张三', '否', '城乡低保', '2023/3/5 10:00'],
        ['李四', '否', '五保', '2023/3/5'],
        ['王五', '否', '无', '某天'],
      ],
    );
    expect(results[0]).toMatchObject({
      ok: true,
      record: { fields: { status: 'DIBAO', event_date: '2023-03-05' } },
    });
    expect(results[1]).toMatchObject({
      ok: false,
      rejects: [{ reason: 'UNKNOWN_CODE', column: '保障类型' }],
    });
    expect(results[2]).toMatchObject({ ok: false, rejects: [{ reason: 'BAD_DATE', column: '办理时间' }] });
    expect(resolved.unknown).toEqual([]);
    expect(resolved.warnings.map((w) => [w.code, w.fields])).toEqual([
      ['OPTIONAL_FIELDS_ABSENT', ['refused_on']],
      ['FIELD_DERIVED', ['status']],
      ['FIELD_DERIVED', ['event_date']],
    ]);
  });

  it('neither the flag nor a date column: a warning, not a silent "never refused"', () => {
    const { resolved } = map(['姓名', '救助类别', '业务日期'], []);
    expect(resolved.warnings).toEqual([
      expect.objectContaining({ code: 'OPTIONAL_FIELDS_ABSENT', fields: ['refused_before', 'refused_on'] }),
    ]);
  });

  it('refuses a derive rule without its values, or one naming the field’s own column', () => {
    const base = (derive: string) =>
      `feed: x\nversion: 1\nfields:\n  f: { source: [甲], parser: code, values: { 是: true }, derive: ${derive} }\n`;
    for (const [derive, key] of [
      ['{ from: [乙], rule: values }', 'fields.f.derive.values'],
      ['{ from: [乙], rule: present, values: { a: b } }', 'fields.f.derive.values'],
      ['{ from: [甲], rule: present }', 'fields.f.derive.from'],
    ] as const) {
      const e = thrown(() => parseMappingYaml(base(derive), 'x.yaml'));
      expect(e).toBeInstanceOf(MappingError);
      expect((e as MappingError).key).toBe(key);
    }
  });
});
