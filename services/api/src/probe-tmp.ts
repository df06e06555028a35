import { loadEnv } from '@ew/config';
import { createAppContext } from '@ew/pipeline/context';
import { buildApp } from '@ew/api';
import { createUser } from '@ew/accounts';
const env = loadEnv({ ...process.env, DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${process.argv[2]}`, LOG_LEVEL: 'error' });
const ctx = await createAppContext(env, { name: 'probe' });
const app = await buildApp({ ctx, redisUrl: env.REDIS_URL, queuePrefix: 'probe' });
const town = await ctx.database.db.selectFrom('towns').select(['id','name']).orderBy('id').executeTakeFirstOrThrow();
const { token } = await createUser(ctx.database.db, { username: 'probe'+Date.now(), displayName: 'p', role: 'CASEWORKER', townName: town.name, actor: 'probe' });
const t = await ctx.database.db.selectFrom('tasks').select('id').where('town_id','=',town.id).where('status','<>','CLOSED').executeTakeFirstOrThrow();
for (const url of ['/tasks', '/tasks?code=MED_EXPENSE&overdue=true', `/tasks/${t.id}`]) {
  for (let i = 0; i < 20; i++) await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  const t0 = performance.now(); let bytes = 0; let status = 0;
  for (let i = 0; i < 100; i++) { const r = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } }); bytes = r.body.length; status = r.statusCode; }
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < 100; i++) await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  const cpu = process.cpuUsage(cpu0);
  console.log(url, status, bytes, 'bytes', ((performance.now() - t0) / 200).toFixed(2), 'ms/req wall', ((cpu.user + cpu.system) / 100 / 1000).toFixed(2), 'ms/req node cpu');
}
await app.close(); await ctx.close(); process.exit(0);
