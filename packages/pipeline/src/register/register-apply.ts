// Applies a loaded snapshot (temp table `register_load`) to the register, set-based, inside the
// caller's transaction: rejects, towns, households, persons, and the differences from the
// previous snapshot as events.
import type pg from 'pg';

export interface ApplyCounts {
  accepted: number;
  rejected: number;
  households: number;
  persons: number;
  events: Record<string, number>;
}

/** Rows that map but contradict each other inside the file are rejected here. */
async function rejectInconsistentRows(client: pg.PoolClient): Promise<void> {
  // The same person twice: the first row stands, later ones are rejected.
  await client.query(`
    update register_load l
       set rejects = jsonb_build_array(jsonb_build_object(
             'rowNo', l.row_no, 'column', '', 'field', 'id_number', 'value', '',
             'reason', 'DUPLICATE_ID',
             'message', 'the same ID number already appears in row ' || d.first_row))
      from (select row_no, min(row_no) over (partition by id_number) as first_row
              from register_load where rejects is null) d
     where d.row_no = l.row_no and d.first_row <> l.row_no`);
}

async function recordRejects(client: pg.PoolClient, snapshotId: number): Promise<void> {
  await client.query(
    `insert into register_rejects (snapshot_id, row_no, field, column_name, reason, value_masked, message)
     select $1, l.row_no, coalesce(r->>'field', ''), nullif(r->>'column', ''), r->>'reason',
            r->>'value', r->>'message'
       from register_load l, jsonb_array_elements(l.rejects) r
      where l.rejects is not null
     on conflict do nothing`,
    [snapshotId],
  );
}

/** Household fields come from the head's row (or the household's first row). */
async function buildHouseholdLoad(client: pg.PoolClient): Promise<void> {
  await client.query(`
    create temp table household_load on commit drop as
    select distinct on (household_no)
           household_no, town, village, area_type, address, monthly_income, assistance_status,
           refused_before, refused_on
      from register_load
     where rejects is null
     order by household_no, (relation = 'HEAD') desc, row_no`);
  await client.query(`
    insert into towns (name) select distinct town from household_load on conflict (name) do nothing`);
}

async function upsertHouseholds(client: pg.PoolClient, snapshotId: number): Promise<void> {
  await client.query(`
    create temp table household_before on commit drop as
    select id, household_no, assistance_status, monthly_income, active from households`);
  await client.query(
    `insert into households as h (household_no, town_id, village, area_type, address, monthly_income,
                                  assistance_status, refused_before, refused_on, active, snapshot_id)
     select l.household_no, t.id, l.village, l.area_type, l.address, l.monthly_income,
            l.assistance_status, l.refused_before, l.refused_on, true, $1
       from household_load l join towns t on t.name = l.town
     on conflict (household_no) do update
        set town_id = excluded.town_id, village = excluded.village, area_type = excluded.area_type,
            address = excluded.address, monthly_income = excluded.monthly_income,
            assistance_status = excluded.assistance_status, refused_before = excluded.refused_before,
            refused_on = excluded.refused_on, active = true, snapshot_id = excluded.snapshot_id,
            updated_at = now()`,
    [snapshotId],
  );
  await client.query(
    `update households set active = false, updated_at = now() where active and snapshot_id is distinct from $1`,
    [snapshotId],
  );
}

async function upsertPersons(client: pg.PoolClient, snapshotId: number): Promise<void> {
  await client.query(`
    create temp table person_before on commit drop as
    select id, id_number, household_id, active from persons`);
  await client.query(
    `insert into persons as p (id_number, name, name_norm, name_pinyin, gender, birth_date,
                               household_id, relation, active, snapshot_id)
     select l.id_number, l.name, l.name_norm, l.name_pinyin, l.gender, l.birth_date, h.id,
            l.relation, true, $1
       from register_load l join households h on h.household_no = l.household_no
      where l.rejects is null
     on conflict (id_number) do update
        set name = excluded.name, name_norm = excluded.name_norm, name_pinyin = excluded.name_pinyin,
            gender = excluded.gender, birth_date = excluded.birth_date,
            household_id = excluded.household_id, relation = excluded.relation, active = true,
            snapshot_id = excluded.snapshot_id, updated_at = now()`,
    [snapshotId],
  );
  await client.query(
    `update persons set active = false, updated_at = now() where active and snapshot_id is distinct from $1`,
    [snapshotId],
  );
  await client.query(`
    update households h set member_count = coalesce(c.n, 0)
      from (select h2.id, count(p.id) filter (where p.active) as n
              from households h2 left join persons p on p.household_id = h2.id
             group by h2.id) c
     where c.id = h.id and h.member_count is distinct from coalesce(c.n, 0)`);
}

/** The differences from the previous snapshot. The first snapshot is the baseline: no events. */
async function recordEvents(client: pg.PoolClient, snapshotId: number): Promise<Record<string, number>> {
  const statements: Record<string, string> = {
    HOUSEHOLD_ADDED: `
      select 'HOUSEHOLD_ADDED', null::bigint, h.id, '{}'::jsonb
        from households h left join household_before b on b.id = h.id
       where h.active and (b.id is null or not b.active)`,
    HOUSEHOLD_REMOVED: `
      select 'HOUSEHOLD_REMOVED', null::bigint, h.id, '{}'::jsonb
        from households h join household_before b on b.id = h.id
       where b.active and not h.active`,
    STATUS_CHANGED: `
      select 'STATUS_CHANGED', null::bigint, h.id,
             jsonb_build_object('from', b.assistance_status, 'to', h.assistance_status)
        from households h join household_before b on b.id = h.id
       where b.active and h.active and b.assistance_status <> h.assistance_status`,
    INCOME_CHANGED: `
      select 'INCOME_CHANGED', null::bigint, h.id,
             jsonb_build_object('from', b.monthly_income, 'to', h.monthly_income)
        from households h join household_before b on b.id = h.id
       where b.active and h.active and b.monthly_income is distinct from h.monthly_income`,
    PERSON_ADDED: `
      select 'PERSON_ADDED', p.id, p.household_id, '{}'::jsonb
        from persons p left join person_before b on b.id = p.id
       where p.active and (b.id is null or not b.active)`,
    PERSON_REMOVED: `
      select 'PERSON_REMOVED', p.id, p.household_id, '{}'::jsonb
        from persons p join person_before b on b.id = p.id
       where b.active and not p.active`,
    PERSON_MOVED: `
      select 'PERSON_MOVED', p.id, p.household_id, jsonb_build_object('fromHouseholdId', b.household_id)
        from persons p join person_before b on b.id = p.id
       where b.active and p.active and b.household_id <> p.household_id`,
  };
  const counts: Record<string, number> = {};
  for (const [kind, select] of Object.entries(statements)) {
    const { rowCount } = await client.query(
      `insert into register_events (snapshot_id, kind, person_id, household_id, detail)
       select $1, e.* from (${select}) e
       on conflict do nothing`,
      [snapshotId],
    );
    counts[kind] = rowCount ?? 0;
  }
  return counts;
}

export async function applySnapshot(
  client: pg.PoolClient,
  snapshotId: number,
  isBaseline: boolean,
): Promise<ApplyCounts> {
  await rejectInconsistentRows(client);
  await recordRejects(client, snapshotId);
  await buildHouseholdLoad(client);
  await upsertHouseholds(client, snapshotId);
  await upsertPersons(client, snapshotId);
  const events = isBaseline ? {} : await recordEvents(client, snapshotId);
  const { rows } = await client.query<Omit<ApplyCounts, 'events'>>(
    `select (select count(*) from register_load where rejects is null)::int as accepted,
            (select count(*) from register_load where rejects is not null)::int as rejected,
            (select count(*) from households where active)::int as households,
            (select count(*) from persons where active)::int as persons`,
  );
  return { ...rows[0]!, events };
}
