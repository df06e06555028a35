// 乡村振兴 rule (domain §4): a monitored household whose risk is not resolved and which has
// neither coverage nor marginal status.
import { sql } from 'kysely';
import type { FeedRule } from './rule.ts';
import { text } from './sql-helpers.ts';

export const ruralRisk: FeedRule = {
  code: 'RURAL_RISK',
  feed: 'rural',
  severity: 'high',
  when: 'risk 风险未消除 and household status neither covered (DIBAO / TEKUN) nor MARGINAL',
  rowCondition: () => sql`${text('risk_state')} = 'UNRESOLVED'`,
  predicate: () => sql`r.assistance_status not in ('DIBAO', 'TEKUN', 'MARGINAL')`,
  values:
    () => sql`jsonb_build_object('riskState', ${text('risk_state')}, 'monitoringType', ${text('monitoring_type')},
      'identifiedOn', ${text('identified_on')}, 'assistanceStatus', r.assistance_status)`,
  thresholds: () => sql`'{}'::jsonb`,
};

export const RURAL_RULES: readonly FeedRule[] = [ruralRisk];
