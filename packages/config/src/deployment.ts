// Deployment configuration (infra/config/deployment.yaml): the district, its low-income standards
// per area type and date, the marginal factor, and the dated versions of every §4/§5 threshold.
// Changing a threshold is a config change with an effective date, never a code change (domain §7).
//
// Threshold versions inherit: the earliest version starts from the §4/§5 defaults below, and each
// later version starts from the one before it, so a version lists only what it changes. Unknown
// keys are refused (a misspelt key must not silently leave the default in force).
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';

export const AREA_TYPES = ['URBAN', 'RURAL'] as const;
export type AreaType = (typeof AREA_TYPES)[number];

/** Domain §4: the marginal threshold is never lower than 1.5 × the standard. */
export const MIN_MARGINAL_FACTOR = 1.5;

/** The *default* values of domain §4 (rules), §5 (task deadlines) and §3 (fallback matching). */
export const DEFAULT_THRESHOLDS: ThresholdValues = Object.freeze({
  eduExpenseShareOfAnnualIncome: 0.3,
  hrUnemployedWindowDays: 90,
  hrUnemployedMinAge: 16,
  hrUnemployedMaxAge: 60,
  assetReviewMinProperties: 2,
  medExpenseFloor: 10000,
  medExpenseShareOfAnnualIncome: 0.5,
  compoundWindowDays: 90,
  compoundMinCodes: 2,
  suppressionDays: 90,
  taskDeadlineDays: Object.freeze({ high: 3, medium: 10, low: 20 }),
  fallbackAutoMatchMinScore: 0.9,
  fallbackReviewMinScore: 0.7,
});

/** Casework settings (domain §5): not versioned by date, they apply to the action being taken. */
export interface CaseworkSettings {
  /** 急难型临时救助 先行救助、后补充说明: days to record the paperwork after an emergency-aid close. */
  readonly paperworkDeadlineDays: number;
  /** 一事一议: temporary aid of this many CNY or more is decided case by case (supervisor's approval). */
  readonly caseByCaseMinAmount: number;
}

/** The *default* casework settings. */
export const DEFAULT_CASEWORK: CaseworkSettings = Object.freeze({
  paperworkDeadlineDays: 10,
  caseByCaseMinAmount: 20000,
});

export interface ThresholdValues {
  /** EDU_EXPENSE: (fees − aid) > this share of annual household income. */
  readonly eduExpenseShareOfAnnualIncome: number;
  /** HR_UNEMPLOYED: 0 ≤ period − event date ≤ this many days. */
  readonly hrUnemployedWindowDays: number;
  /** HR_UNEMPLOYED: member aged at least … */
  readonly hrUnemployedMinAge: number;
  /** … and at most this (completed years at the feed's period). */
  readonly hrUnemployedMaxAge: number;
  /** ASSET_REVIEW: at least this many properties. */
  readonly assetReviewMinProperties: number;
  /** MED_EXPENSE: out-of-pocket ≥ max(this floor, share × annual income). */
  readonly medExpenseFloor: number;
  readonly medExpenseShareOfAnnualIncome: number;
  /** Compound risk: at least `compoundMinCodes` distinct codes within this many days. */
  readonly compoundWindowDays: number;
  readonly compoundMinCodes: number;
  /** After a task closes, the same code for the household is suppressed this many days. */
  readonly suppressionDays: number;
  /** Task deadlines in days from NEW, per alert severity (domain §5). */
  readonly taskDeadlineDays: Readonly<{ high: number; medium: number; low: number }>;
  /** Fallback (name + birth date) matching: a single candidate at or above this auto-matches … */
  readonly fallbackAutoMatchMinScore: number;
  /** … at or above this (but below auto) goes to review; below is unmatched. */
  readonly fallbackReviewMinScore: number;
}

const isoDate = z.iso.date({ message: 'expected an ISO date YYYY-MM-DD' });
const money = z.number().positive();
const days = z.number().int().nonnegative();
const share = z.number().gt(0).lte(1);
const score = z.number().gt(0).lte(1);

const thresholdValuesInput = z.strictObject({
  eduExpenseShareOfAnnualIncome: share.optional(),
  hrUnemployedWindowDays: days.optional(),
  hrUnemployedMinAge: z.number().int().min(0).max(150).optional(),
  hrUnemployedMaxAge: z.number().int().min(0).max(150).optional(),
  assetReviewMinProperties: z.number().int().min(1).optional(),
  medExpenseFloor: z.number().nonnegative().optional(),
  medExpenseShareOfAnnualIncome: share.optional(),
  compoundWindowDays: days.optional(),
  compoundMinCodes: z.number().int().min(2).optional(),
  suppressionDays: days.optional(),
  taskDeadlineDays: z
    .strictObject({
      high: z.number().int().min(1).optional(),
      medium: z.number().int().min(1).optional(),
      low: z.number().int().min(1).optional(),
    })
    .optional(),
  fallbackAutoMatchMinScore: score.optional(),
  fallbackReviewMinScore: score.optional(),
});
type ThresholdValuesInput = z.output<typeof thresholdValuesInput>;

const deploymentInput = z.strictObject({
  district: z.string().trim().min(1),
  /** Optional: towns normally come from the household register. */
  towns: z
    .array(z.strictObject({ code: z.string().trim().min(1), name: z.string().trim().min(1) }))
    .optional(),
  lowIncomeStandards: z
    .array(
      z.strictObject({
        areaType: z.enum(AREA_TYPES),
        monthlyPerPerson: money,
        effectiveFrom: isoDate,
      }),
    )
    .min(1),
  marginalFactor: z
    .number()
    .min(MIN_MARGINAL_FACTOR, {
      message: `must be at least ${MIN_MARGINAL_FACTOR} (the marginal threshold is never lower than 1.5 × the standard)`,
    })
    .default(MIN_MARGINAL_FACTOR),
  thresholds: z
    .array(z.strictObject({ effectiveFrom: isoDate, values: thresholdValuesInput.default({}) }))
    .min(1),
  casework: z
    .strictObject({
      paperworkDeadlineDays: z.number().int().min(1).default(DEFAULT_CASEWORK.paperworkDeadlineDays),
      caseByCaseMinAmount: money.default(DEFAULT_CASEWORK.caseByCaseMinAmount),
    })
    .default(DEFAULT_CASEWORK),
});
type DeploymentInput = z.output<typeof deploymentInput>;

export interface Town {
  readonly code: string;
  readonly name: string;
}

export interface LowIncomeStandard {
  readonly areaType: AreaType;
  /** CNY per person per month. */
  readonly monthlyPerPerson: number;
  readonly effectiveFrom: string;
}

export interface ThresholdVersion {
  readonly effectiveFrom: string;
  /** Complete: inherited values filled in. */
  readonly values: ThresholdValues;
}

export interface DeploymentConfig {
  readonly district: string;
  /** Empty when the file lists none (towns then come from the register). */
  readonly towns: readonly Town[];
  /** Sorted by area type, then effectiveFrom. */
  readonly lowIncomeStandards: readonly LowIncomeStandard[];
  readonly marginalFactor: number;
  /** Sorted by effectiveFrom. */
  readonly thresholds: readonly ThresholdVersion[];
  readonly casework: CaseworkSettings;
}

/** A deployment config file that cannot be used, or a lookup with nothing in force. */
export class DeploymentConfigError extends Error {
  readonly code = 'DEPLOYMENT_CONFIG_INVALID';
  /** One line per problem, each starting with the key path (e.g. `thresholds[1].values.x: …`). */
  readonly problems: readonly string[];

  constructor(message: string, problems: readonly string[] = []) {
    super(problems.length === 0 ? message : `${message}\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'DeploymentConfigError';
    this.problems = problems;
  }
}

/** `thresholds[1].values.medExpenseFloor` */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out === '' ? '(root)' : out;
}

function mergeValues(base: ThresholdValues, patch: ThresholdValuesInput): ThresholdValues {
  const { taskDeadlineDays, ...flat } = patch;
  const defined = Object.fromEntries(Object.entries(flat).filter(([, v]) => v !== undefined));
  const deadlines = Object.fromEntries(
    Object.entries(taskDeadlineDays ?? {}).filter(([, v]) => v !== undefined),
  );
  return Object.freeze({
    ...base,
    ...defined,
    taskDeadlineDays: Object.freeze({ ...base.taskDeadlineDays, ...deadlines }),
  });
}

/** Semantic checks that need the whole file (duplicates, inherited cross-field limits). */
function resolve(input: DeploymentInput): { config: DeploymentConfig; problems: string[] } {
  const problems: string[] = [];

  const townCodes = new Map<string, number>();
  (input.towns ?? []).forEach((t, i) => {
    const first = townCodes.get(t.code);
    if (first !== undefined) problems.push(`towns[${i}].code: duplicate of towns[${first}] ("${t.code}")`);
    else townCodes.set(t.code, i);
  });

  const standardKeys = new Map<string, number>();
  input.lowIncomeStandards.forEach((s, i) => {
    const key = `${s.areaType} ${s.effectiveFrom}`;
    const first = standardKeys.get(key);
    if (first !== undefined) {
      problems.push(
        `lowIncomeStandards[${i}]: duplicate of lowIncomeStandards[${first}] (${s.areaType} from ${s.effectiveFrom})`,
      );
    } else standardKeys.set(key, i);
  });

  const order = input.thresholds
    .map((v, index) => ({ ...v, index }))
    .sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? -1 : a.effectiveFrom > b.effectiveFrom ? 1 : 0));
  const versions: ThresholdVersion[] = [];
  let previous: ThresholdValues = DEFAULT_THRESHOLDS;
  let previousDate: { date: string; index: number } | undefined;
  for (const v of order) {
    const at = `thresholds[${v.index}]`;
    if (previousDate !== undefined && previousDate.date === v.effectiveFrom) {
      problems.push(
        `${at}.effectiveFrom: duplicate of thresholds[${previousDate.index}] (${v.effectiveFrom})`,
      );
    }
    const values = mergeValues(previous, v.values);
    if (values.hrUnemployedMaxAge < values.hrUnemployedMinAge) {
      problems.push(
        `${at}.values.hrUnemployedMaxAge: must be ≥ hrUnemployedMinAge (${values.hrUnemployedMaxAge} < ${values.hrUnemployedMinAge})`,
      );
    }
    if (values.fallbackReviewMinScore > values.fallbackAutoMatchMinScore) {
      problems.push(
        `${at}.values.fallbackReviewMinScore: must be ≤ fallbackAutoMatchMinScore (${values.fallbackReviewMinScore} > ${values.fallbackAutoMatchMinScore})`,
      );
    }
    versions.push(Object.freeze({ effectiveFrom: v.effectiveFrom, values }));
    previous = values;
    previousDate = { date: v.effectiveFrom, index: v.index };
  }

  const standards = [...input.lowIncomeStandards]
    .sort((a, b) =>
      a.areaType !== b.areaType
        ? AREA_TYPES.indexOf(a.areaType) - AREA_TYPES.indexOf(b.areaType)
        : a.effectiveFrom.localeCompare(b.effectiveFrom),
    )
    .map((s) => Object.freeze({ ...s }));

  const config: DeploymentConfig = Object.freeze({
    district: input.district,
    towns: Object.freeze((input.towns ?? []).map((t) => Object.freeze({ ...t }))),
    lowIncomeStandards: Object.freeze(standards),
    marginalFactor: input.marginalFactor,
    thresholds: Object.freeze(versions),
    casework: Object.freeze({ ...input.casework }),
  });
  return { config, problems };
}

/**
 * Validates an already-parsed document (e.g. the result of YAML parsing). `source` names it in
 * errors. Throws `DeploymentConfigError` listing every problem with its key path.
 */
export function parseDeploymentConfig(document: unknown, source = 'deployment config'): DeploymentConfig {
  const result = deploymentInput.safeParse(document);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${formatKeyPath(i.path)}: ${i.message}`);
    throw new DeploymentConfigError(`Invalid deployment config ${source}:`, problems);
  }
  const { config, problems } = resolve(result.data);
  if (problems.length > 0) throw new DeploymentConfigError(`Invalid deployment config ${source}:`, problems);
  return config;
}

/** Reads and validates a deployment config YAML file. */
export function loadDeploymentConfig(path: string): DeploymentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new DeploymentConfigError(`Cannot read deployment config ${path}: ${(err as Error).message}`);
  }
  // YAML 1.2 core schema: `2023-01-01` stays a string (no implicit timestamps); duplicate keys are errors.
  const doc = parseDocument(text, { schema: 'core', prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new DeploymentConfigError(
      `Deployment config ${path} is not valid YAML:`,
      doc.errors.map((e) => e.message.split('\n')[0] ?? e.message),
    );
  }
  return parseDeploymentConfig(doc.toJS(), path);
}

/** Accepts `YYYY-MM-DD` (a real calendar date) and returns it, or throws. */
function checkDate(date: string, what: string): string {
  if (!isoDate.safeParse(date).success) {
    throw new DeploymentConfigError(
      `${what}: date must be an ISO date YYYY-MM-DD, got ${JSON.stringify(date)}`,
    );
  }
  return date;
}

export interface StandardInForce {
  /** CNY per person per month. */
  readonly monthlyPerPerson: number;
  /** `marginalFactor × monthlyPerPerson`, rounded to the cent. */
  readonly marginalThreshold: number;
  readonly effectiveFrom: string;
}

/**
 * The low-income standard in force for `areaType` on `date` (`YYYY-MM-DD`): the one with the
 * latest effectiveFrom ≤ date. Throws `DeploymentConfigError` when none is in force yet.
 */
export function standardAt(config: DeploymentConfig, areaType: AreaType, date: string): StandardInForce {
  checkDate(date, 'standardAt');
  let found: LowIncomeStandard | undefined;
  for (const s of config.lowIncomeStandards) {
    if (s.areaType === areaType && s.effectiveFrom <= date) {
      if (found === undefined || s.effectiveFrom > found.effectiveFrom) found = s;
    }
  }
  if (found === undefined) {
    const earliest = config.lowIncomeStandards.find((s) => s.areaType === areaType);
    throw new DeploymentConfigError(
      `No ${areaType} low-income standard in force on ${date}` +
        (earliest === undefined ? ' (none configured)' : ` (the earliest is from ${earliest.effectiveFrom})`),
    );
  }
  return Object.freeze({
    monthlyPerPerson: found.monthlyPerPerson,
    marginalThreshold: Math.round(found.monthlyPerPerson * config.marginalFactor * 100) / 100,
    effectiveFrom: found.effectiveFrom,
  });
}

/**
 * The threshold version in force on `date` (`YYYY-MM-DD`): the latest effectiveFrom ≤ date.
 * Throws `DeploymentConfigError` when the date is before the first version.
 */
export function thresholdsAt(config: DeploymentConfig, date: string): ThresholdVersion {
  checkDate(date, 'thresholdsAt');
  let found: ThresholdVersion | undefined;
  for (const v of config.thresholds) {
    if (v.effectiveFrom <= date && (found === undefined || v.effectiveFrom > found.effectiveFrom)) found = v;
  }
  if (found === undefined) {
    const first = config.thresholds[0];
    throw new DeploymentConfigError(
      `No thresholds in force on ${date}` +
        (first === undefined
          ? ' (none configured)'
          : ` (the earliest version is from ${first.effectiveFrom})`),
    );
  }
  return found;
}
