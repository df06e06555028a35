// A register that only has 曾申请未通过日期 (no flag column): refused-before is derived from the
// date, the CLI says so, and PRIOR_REFUSED then raises that household's alert one level.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idCheckDigit } from '@ew/core';
import { createTestApp, type TestApp } from '../../../test/harness/app.ts';
import { runCli } from './cli.fixture.ts';

function id(birth: string, seq: number): string {
  const first17 = `130802${birth.replaceAll('-', '')}${String(seq).padStart(3, '0')}`;
  return first17 + idCheckDigit(first17);
}
const REFUSED = id('1970-03-04', 11);
const PLAIN = id('1972-05-06', 21);

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  await writeFile(
    join(t.dir, 'register.csv'),
    [
      '户编号,托管镇,城乡类别,家庭月收入,救助类别,曾申请未通过日期,公民身份号码,姓名,性别,出生日期,与户主关系',
      `H1,城关镇,城市,5000,一般,2022-06-01,${REFUSED},张三,男,1970-03-04,户主`,
      `H2,城关镇,城市,5000,一般,,${PLAIN},李梅,女,1972-05-06,户主`,
      '',
    ].join('\r\n'),
  );
  await writeFile(
    join(t.dir, 'medical.csv'),
    [
      '身份证号,参保人姓名,年度个人自付累计,大病慢特病标识',
      `${REFUSED},张三,100,是`,
      `${PLAIN},李梅,100,是`,
      '',
    ].join('\r\n'),
  );
});
afterAll(async () => {
  await t.close();
});

describe('register with only a refusal date column', () => {
  it('derives refused-before, says so, and PRIOR_REFUSED raises the alert', async () => {
    const register = await runCli(t, ['register', 'import', '--as-of', '2023-03-31', 'register.csv'], t.dir);
    expect(register.stdout).toMatch(/snapshot \d+ applied/);
    expect(register.stdout).toMatch(
      /warning \(FIELD_DERIVED\): refused_before \("曾申请未通过"\) has no column: derived from "曾申请未通过日期"/,
    );
    const db = t.ctx.database.db;
    const households = await db
      .selectFrom('households')
      .select(['household_no', 'refused_before', 'refused_on'])
      .orderBy('household_no')
      .execute();
    expect(households).toEqual([
      { household_no: 'H1', refused_before: true, refused_on: '2022-06-01' },
      { household_no: 'H2', refused_before: false, refused_on: null },
    ]);

    const feed = await runCli(
      t,
      ['import', '--inline', '--feed', 'medical', '--period', '2023-03', 'medical.csv'],
      t.dir,
    );
    expect(feed.code).toBe(0);
    const alerts = await db
      .selectFrom('alerts')
      .innerJoin('households', 'households.id', 'alerts.household_id')
      .select(['households.household_no', 'alerts.severity', 'alerts.severity_basis'])
      .orderBy('households.household_no')
      .execute();
    expect(alerts).toMatchObject([
      {
        household_no: 'H1',
        severity: 'high',
        severity_basis: { base: 'medium', priorRefused: { refusedOn: '2022-06-01' } },
      },
      { household_no: 'H2', severity: 'medium', severity_basis: { base: 'medium', priorRefused: null } },
    ]);
  });
});
