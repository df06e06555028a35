// Child process for connection.test.ts: opens the pool, prints its backend pid, then, once told
// on stdin (after the test terminated that backend), queries again and prints the result.
import { sql } from 'kysely';
import { openDatabase } from './connection.ts';

const handle = openDatabase(process.argv[2]!, { max: 1, applicationName: 'ew-idle-error-fixture' });
const first = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(handle.db);
process.stdout.write(`pid ${first.rows[0]!.pid}\n`);
process.stdin.once('data', () => {
  void (async () => {
    const next = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(handle.db);
    process.stdout.write(`after ${next.rows[0]!.pid}\n`);
    await handle.close();
    process.exit(0);
  })();
});
