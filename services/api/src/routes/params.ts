// Shared input schemas.
import { z } from 'zod';

/** A database id in a path or query: decimal digits only ("12", not "1e1" or "0x0c"). */
export const dbId = z
  .string()
  .regex(/^[1-9]\d{0,14}$/, 'must be a positive integer id')
  .transform(Number);

export const idParams = z.strictObject({ id: dbId });

/** `true`/`false` (also 1/0, yes/no, on/off) in a query string. */
export const queryFlag = z.stringbool();
