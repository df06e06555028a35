// Small SQL fragments shared by the rules: typed reads of the canonical payload of a staged row
// (`r.payload`, see candidate-rows.ts) and bound threshold parameters.
import { sql, type RawBuilder } from 'kysely';

/** `r.payload->>key` as text (null when absent or JSON null). */
export function text(key: string): RawBuilder<string | null> {
  return sql<string | null>`(r.payload->>${sql.lit(key)})`;
}

/** A payload amount or count as numeric (null when absent). */
export function num(key: string): RawBuilder<number | null> {
  return sql<number | null>`(r.payload->>${sql.lit(key)})::numeric`;
}

/** A payload date 'YYYY-MM-DD' as date (null when absent or not in that form). */
export function date(key: string): RawBuilder<string | null> {
  return sql<string | null>`(case when r.payload->>${sql.lit(key)} ~ '^\\d{4}-\\d{2}-\\d{2}$'
    then (r.payload->>${sql.lit(key)})::date end)`;
}

/** A payload flag: true only when it says true (JSON true or the text 'true'). */
export function flag(key: string): RawBuilder<boolean> {
  return sql<boolean>`coalesce(r.payload->>${sql.lit(key)} = 'true', false)`;
}

/** A threshold as a bound numeric parameter. */
export function param(value: number): RawBuilder<number> {
  return sql<number>`${value}::numeric`;
}

/** A threshold as a bound integer parameter. */
export function intParam(value: number): RawBuilder<number> {
  return sql<number>`${value}::int`;
}

/** `r.assistance_status in ('DIBAO', 'TEKUN')`: the household is covered (domain §4). */
export const covered = sql<boolean>`(r.assistance_status in ('DIBAO', 'TEKUN'))`;

/** Per-capita income rounded to the cent, for evidence only (predicates compare exactly). */
export const perCapitaShown = sql<number | null>`round(r.monthly_income / nullif(r.member_count, 0), 2)`;
