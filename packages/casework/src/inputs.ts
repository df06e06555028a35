// The input of every action people take, one zod schema each (the API validates with these and
// documents them in OpenAPI; the CLI too). `version` is the task version the caller saw: when
// given and no longer current, the action is refused as stale (409) instead of overwriting.
import { z } from 'zod';
import { isoDateInShanghai } from './time.ts';
import { TASK_OUTCOMES, type UserAction } from './workflow.ts';

const version = z.number().int().min(0).optional();
const note = z.string().trim().max(2000).optional();
const text = (max: number) => z.string().trim().min(1).max(max);

/** CNY, more than 0, at most two decimals, below 10 billion. */
export const aidAmount = z
  .number()
  .positive('must be more than 0')
  .lt(1e10, 'must be below 10,000,000,000')
  .refine((v) => Math.abs(Math.round(v * 100) - v * 100) < 1e-6, 'at most two decimals (分)');

export const VERIFIED_ASPECTS = ['income', 'housing', 'health', 'other'] as const;

export const actionInputs = {
  claim: z.strictObject({ version, note }),
  assign: z.strictObject({ version, userId: z.number().int().positive(), note }),
  start_visit: z.strictObject({ version, note }),
  record_visit: z.strictObject({
    version,
    visitedOn: z.iso
      .date({ message: 'expected a date YYYY-MM-DD' })
      .refine((d) => d <= isoDateInShanghai(new Date()), 'a visit cannot be recorded before it happened'),
    /** Who was met (被访人): free text. */
    met: text(200),
    /** What was verified, per aspect (收入, 住房, 健康, 其他). */
    verified: z
      .strictObject(
        Object.fromEntries(VERIFIED_ASPECTS.map((a) => [a, z.string().trim().max(2000).optional()])) as {
          [K in (typeof VERIFIED_ASPECTS)[number]]: z.ZodOptional<z.ZodString>;
        },
      )
      .default({}),
    notes: z.string().trim().max(4000).optional(),
  }),
  transfer: z.strictObject({ version, townId: z.number().int().positive(), reason: text(2000) }),
  close: z.strictObject({
    version,
    outcome: z.enum(TASK_OUTCOMES),
    aidAmount: aidAmount.optional(),
    note,
    /** TEMP_AID_EMERGENCY only: aid paid first, the paperwork follows (先行救助、后补充说明). */
    paperworkDue: z.boolean().optional(),
  }),
  approve: z.strictObject({ version, note }),
  return: z.strictObject({ version, note: text(2000) }),
  record_paperwork: z.strictObject({ version, note }),
} as const satisfies Record<UserAction, z.ZodType>;

export type ActionInput<A extends UserAction> = z.input<(typeof actionInputs)[A]>;
