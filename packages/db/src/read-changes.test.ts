// read_changes (T0022) and readSnapshot: a kept response's basis counts as changed exactly when a
// change to its town (or to any town) has committed since its snapshot — including a transaction
// that was already open when the snapshot was taken — and never for another town's tasks, a
// rolled-back change, or a sign-in's last_login_at.
import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { emptyDatabase } from './migration.fixture.ts';
import { migrateToLatest } from './migrate.ts';
import { openDatabase } from './connection.ts';
import { readSnapshot, settleReadChanges, type ReadBasis } from './read-changes.ts';

const scratch = emptyDatabase('readchanges');
let townA: number;
let townB: number;
let taskA: number;
let userId: number;

beforeAll(async () => {
  const db = scratch.handle().db;
  await migrateToLatest(db);
  const { rows } = await sql<{ a: number; b: number; task: number; user_id: number }>`
    with tw as (insert into towns (name) values ('甲镇'), ('乙镇') returning id, name),
    h as (
      insert into households (household_no, town_id, area_type, assistance_status)
      select 'H1', id, 'URBAN', 'NONE' from tw where name = '甲镇' returning id, town_id
    ), t as (
      insert into tasks (household_id, town_id, status, severity, due_at)
      select id, town_id, 'NEW', 'high', now() + interval '3 days' from h returning id
    ), u as (
      insert into users (username, display_name, role, town_id)
      select 'cw', '张三', 'CASEWORKER', id from tw where name = '甲镇' returning id
    )
    select (select id from tw where name = '甲镇') as a, (select id from tw where name = '乙镇') as b,
           (select id from t) as task, (select id from u) as user_id`.execute(db);
  ({ a: townA, b: townB, task: taskA, user_id: userId } = rows[0]!);
});

/** A basis taken now for each of: town A, town B, all towns. */
async function bases(): Promise<Record<'a' | 'b' | 'all', ReadBasis>> {
  const { snapshot } = await readSnapshot(scratch.handle().db, null);
  return { a: { snapshot, townId: townA }, b: { snapshot, townId: townB }, all: { snapshot, townId: null } };
}

async function changed(
  of: Record<'a' | 'b' | 'all', ReadBasis>,
): Promise<Record<'a' | 'b' | 'all', boolean>> {
  const db = scratch.handle().db;
  return {
    a: (await readSnapshot(db, of.a)).changed,
    b: (await readSnapshot(db, of.b)).changed,
    all: (await readSnapshot(db, of.all)).changed,
  };
}

describe('read changes', () => {
  it('nothing changed: unchanged for every basis', async () => {
    const before = await bases();
    expect(await changed(before)).toEqual({ a: false, b: false, all: false });
  });

  it("a task of town A changed: A's and all towns' bases, not B's", async () => {
    const before = await bases();
    await sql`update tasks set version = version + 1 where id = ${taskA}`.execute(scratch.handle().db);
    expect(await changed(before)).toEqual({ a: true, b: false, all: true });
  });

  it('an event or a visit of a task counts for its town', async () => {
    const before = await bases();
    await sql`insert into task_events (task_id, action, to_status, actor) values (${taskA}, 'claim', 'ASSIGNED', 'cw')`.execute(
      scratch.handle().db,
    );
    expect(await changed(before)).toEqual({ a: true, b: false, all: true });
  });

  it('a task moved from A to B (transfer) counts for both towns', async () => {
    const db = scratch.handle().db;
    const before = await bases();
    await sql`update tasks set town_id = ${townB} where id = ${taskA}`.execute(db);
    expect(await changed(before)).toEqual({ a: true, b: true, all: true });
    await sql`update tasks set town_id = ${townA} where id = ${taskA}`.execute(db);
  });

  it('the register (households) changed: every basis', async () => {
    const before = await bases();
    await sql`update households set address = '新地址'`.execute(scratch.handle().db);
    expect(await changed(before)).toEqual({ a: true, b: true, all: true });
  });

  it("a user's name counts, their sign-in time does not", async () => {
    const db = scratch.handle().db;
    const before = await bases();
    await sql`update users set last_login_at = now() where id = ${userId}`.execute(db);
    expect(await changed(before)).toEqual({ a: false, b: false, all: false });
    await sql`update users set display_name = '张三丰' where id = ${userId}`.execute(db);
    expect(await changed(before)).toEqual({ a: true, b: true, all: true });
  });

  it('a rolled-back change does not count', async () => {
    const db = scratch.handle().db;
    const before = await bases();
    await db
      .transaction()
      .execute(async (trx) => {
        await sql`update tasks set version = version + 1 where id = ${taskA}`.execute(trx);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await changed(before)).toEqual({ a: false, b: false, all: false });
  });

  it('a transaction open when the snapshot was taken counts once it commits', async () => {
    // its own connection: the transaction stays open across the snapshot
    const other = openDatabase(scratch.url(), { max: 1 });
    try {
      const client = await other.pool.connect();
      try {
        await client.query('begin');
        await client.query('update tasks set version = version + 1 where id = $1', [taskA]);
        const before = await bases();
        // a later transaction commits a change of town B: its row id is higher than the open one's
        await sql`update households set address = address`.execute(scratch.handle().db);
        const afterB = await bases();
        expect(await changed(afterB)).toEqual({ a: false, b: false, all: false });
        await client.query('commit');
        expect(await changed(before)).toEqual({ a: true, b: true, all: true });
        expect(await changed(afterB)).toEqual({ a: true, b: false, all: true });
      } finally {
        client.release();
      }
    } finally {
      await other.close();
    }
  });

  it('the sweep marks ended transactions and deletes only rows marked long ago', async () => {
    const db = scratch.handle().db;
    const total = async () =>
      Number((await sql<{ n: string }>`select count(*) as n from read_changes`.execute(db)).rows[0]!.n);
    const noted = await total();
    expect(noted).toBeGreaterThan(0);
    const first = await settleReadChanges(db);
    expect(first).toEqual({ settled: noted, deleted: 0 });
    const before = await bases();
    await sql`update tasks set version = version + 1 where id = ${taskA}`.execute(db);
    await sql`update read_changes set settled_at = now() - interval '1 hour' where id = (select min(id) from read_changes)`.execute(
      db,
    );
    expect(await settleReadChanges(db)).toEqual({ settled: 1, deleted: 1 });
    expect(await total()).toBe(noted);
    // the change just made is still seen
    expect((await changed(before)).a).toBe(true);
  });
});
