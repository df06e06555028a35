import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_THRESHOLDS,
  DeploymentConfigError,
  loadDeploymentConfig,
  parseDeploymentConfig,
  standardAt,
  thresholdsAt,
} from './deployment.ts';
import { repoRoot } from './root.ts';

const dir = mkdtempSync(join(tmpdir(), 'ew-deployment-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function writeYaml(text: string): string {
  const path = join(dir, `deployment-${n++}.yaml`);
  writeFileSync(path, text);
  return path;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DeploymentConfigError);
    return [...(err as DeploymentConfigError).problems, (err as Error).message];
  }
  throw new Error('expected a DeploymentConfigError');
}

const base = {
  district: 'D',
  lowIncomeStandards: [{ areaType: 'URBAN', monthlyPerPerson: 900, effectiveFrom: '2023-01-01' }],
  thresholds: [{ effectiveFrom: '2020-01-01', values: {} }],
};

describe('the sample infra/config/deployment.yaml', () => {
  const config = loadDeploymentConfig(join(repoRoot(), 'infra/config/deployment.yaml'));

  it('loads with the §4 defaults', () => {
    expect(config.marginalFactor).toBe(1.5);
    expect(config.towns).toEqual([]);
    expect(config.thresholds).toHaveLength(1);
    expect(config.thresholds[0]?.values).toEqual(DEFAULT_THRESHOLDS);
  });

  it('chooses the standard in force at boundary dates', () => {
    expect(standardAt(config, 'URBAN', '2023-01-01')).toEqual({
      monthlyPerPerson: 900,
      marginalThreshold: 1350,
      effectiveFrom: '2023-01-01',
    });
    expect(standardAt(config, 'URBAN', '2023-06-30').monthlyPerPerson).toBe(900);
    expect(standardAt(config, 'URBAN', '2023-07-01')).toEqual({
      monthlyPerPerson: 950,
      marginalThreshold: 1425,
      effectiveFrom: '2023-07-01',
    });
    expect(standardAt(config, 'RURAL', '2023-06-30')).toMatchObject({
      monthlyPerPerson: 700,
      marginalThreshold: 1050,
    });
    expect(standardAt(config, 'RURAL', '2030-01-01')).toMatchObject({
      monthlyPerPerson: 750,
      marginalThreshold: 1125,
    });
  });

  it('refuses a date before the first standard, and a malformed date', () => {
    expect(() => standardAt(config, 'URBAN', '2022-12-31')).toThrow(
      /No URBAN low-income standard in force on 2022-12-31 \(the earliest is from 2023-01-01\)/,
    );
    expect(() => standardAt(config, 'URBAN', '2023-02-30')).toThrow(/ISO date/);
    expect(() => thresholdsAt(config, '2019-12-31')).toThrow(/No thresholds in force on 2019-12-31/);
    expect(thresholdsAt(config, '2020-01-01').effectiveFrom).toBe('2020-01-01');
  });
});

describe('threshold versions', () => {
  const config = parseDeploymentConfig({
    ...base,
    thresholds: [
      // Out of order on purpose: versions are sorted by date.
      { effectiveFrom: '2024-07-01', values: { taskDeadlineDays: { high: 2 } } },
      { effectiveFrom: '2020-01-01', values: { suppressionDays: 60 } },
      { effectiveFrom: '2024-01-01', values: { medExpenseFloor: 12000 } },
    ],
  });

  it('inherit from the previous version and the defaults', () => {
    expect(config.thresholds.map((v) => v.effectiveFrom)).toEqual(['2020-01-01', '2024-01-01', '2024-07-01']);
    const v2020 = thresholdsAt(config, '2023-12-31').values;
    expect(v2020.suppressionDays).toBe(60);
    expect(v2020.medExpenseFloor).toBe(10000);
    const v2024 = thresholdsAt(config, '2024-01-01').values;
    expect(v2024).toMatchObject({ suppressionDays: 60, medExpenseFloor: 12000 });
    expect(v2024.taskDeadlineDays).toEqual({ high: 3, medium: 10, low: 20 });
    const v2407 = thresholdsAt(config, '2024-07-01').values;
    expect(v2407).toMatchObject({ suppressionDays: 60, medExpenseFloor: 12000 });
    expect(v2407.taskDeadlineDays).toEqual({ high: 2, medium: 10, low: 20 });
    expect(thresholdsAt(config, '2024-06-30').values.taskDeadlineDays.high).toBe(3);
  });
});

describe('a bad deployment config', () => {
  it('is refused naming the key path of a wrong type', () => {
    const path = writeYaml(`
district: D
lowIncomeStandards:
  - { areaType: URBAN, monthlyPerPerson: 900, effectiveFrom: 2023-01-01 }
thresholds:
  - effectiveFrom: 2020-01-01
    values: {}
  - effectiveFrom: 2024-01-01
    values: { medExpenseFloor: lots }
`);
    const problems = problemsOf(() => loadDeploymentConfig(path));
    expect(problems[0]).toMatch(/^thresholds\[1\]\.values\.medExpenseFloor: .*expected number/);
    expect(problems.at(-1)).toContain(path);
  });

  it('refuses marginalFactor below 1.5 naming the key', () => {
    const problems = problemsOf(() => parseDeploymentConfig({ ...base, marginalFactor: 1.4 }));
    expect(problems[0]).toMatch(/^marginalFactor: must be at least 1\.5/);
    expect(parseDeploymentConfig({ ...base, marginalFactor: 2 }).marginalFactor).toBe(2);
    expect(
      standardAt(parseDeploymentConfig({ ...base, marginalFactor: 2 }), 'URBAN', '2024-01-01')
        .marginalThreshold,
    ).toBe(1800);
  });

  it('refuses a misspelt key instead of silently keeping the default', () => {
    const problems = problemsOf(() =>
      parseDeploymentConfig({
        ...base,
        thresholds: [{ effectiveFrom: '2020-01-01', values: { medExpensFloor: 1 } }],
      }),
    );
    expect(problems[0]).toMatch(/^thresholds\[0\]\.values: Unrecognized key: "medExpensFloor"/);
  });

  it('lists every problem with its path', () => {
    const problems = problemsOf(() =>
      parseDeploymentConfig({
        district: '',
        towns: [{ code: 'T1' }],
        lowIncomeStandards: [{ areaType: 'CITY', monthlyPerPerson: -1, effectiveFrom: '2023-02-30' }],
        thresholds: [],
      }),
    );
    const text = problems.join('\n');
    expect(text).toMatch(/^district: /m);
    expect(text).toMatch(/^towns\[0\]\.name: /m);
    expect(text).toMatch(/^lowIncomeStandards\[0\]\.areaType: /m);
    expect(text).toMatch(/^lowIncomeStandards\[0\]\.monthlyPerPerson: /m);
    expect(text).toMatch(/^lowIncomeStandards\[0\]\.effectiveFrom: expected an ISO date/m);
    expect(text).toMatch(/^thresholds: /m);
  });

  it('refuses duplicates and inconsistent inherited values', () => {
    const problems = problemsOf(() =>
      parseDeploymentConfig({
        ...base,
        towns: [
          { code: 'T1', name: 'A' },
          { code: 'T1', name: 'B' },
        ],
        lowIncomeStandards: [...base.lowIncomeStandards, ...base.lowIncomeStandards],
        thresholds: [
          { effectiveFrom: '2020-01-01', values: { hrUnemployedMinAge: 18 } },
          { effectiveFrom: '2021-01-01', values: { hrUnemployedMaxAge: 17, fallbackReviewMinScore: 0.95 } },
          { effectiveFrom: '2021-01-01', values: {} },
        ],
      }),
    );
    const text = problems.join('\n');
    expect(text).toMatch(/^towns\[1\]\.code: duplicate of towns\[0\]/m);
    expect(text).toMatch(/^lowIncomeStandards\[1\]: duplicate of lowIncomeStandards\[0\]/m);
    expect(text).toMatch(
      /^thresholds\[1\]\.values\.hrUnemployedMaxAge: must be ≥ hrUnemployedMinAge \(17 < 18\)/m,
    );
    expect(text).toMatch(
      /^thresholds\[1\]\.values\.fallbackReviewMinScore: must be ≤ fallbackAutoMatchMinScore/m,
    );
    expect(text).toMatch(/^thresholds\[2\]\.effectiveFrom: duplicate of thresholds\[1\]/m);
  });

  it('refuses invalid YAML and a missing file', () => {
    const path = writeYaml('district: D\ndistrict: E\n');
    expect(() => loadDeploymentConfig(path)).toThrow(/not valid YAML/);
    expect(() => loadDeploymentConfig(join(dir, 'missing.yaml'))).toThrow(/Cannot read deployment config/);
  });

  it('keeps unquoted YAML dates as ISO strings', () => {
    const config = loadDeploymentConfig(
      writeYaml(`
district: D
lowIncomeStandards: [{ areaType: RURAL, monthlyPerPerson: 700, effectiveFrom: 2023-01-01 }]
thresholds: [{ effectiveFrom: 2020-01-01 }]
`),
    );
    expect(config.lowIncomeStandards[0]?.effectiveFrom).toBe('2023-01-01');
    expect(config.thresholds[0]?.values).toEqual(DEFAULT_THRESHOLDS);
    expect(() => standardAt(config, 'URBAN', '2024-01-01')).toThrow(
      /No URBAN low-income standard .*none configured/,
    );
  });
});
