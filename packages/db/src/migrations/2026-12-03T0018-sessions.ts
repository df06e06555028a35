// Sign-in with a password (issue 11 §3–§5): server-side sessions, failed sign-ins kept for
// throttling, and when a user last signed in.
//
//   sessions        one row per signed-in browser. id = sha256(hex) of the random cookie token,
//                   so a leaked table holds no usable cookie. csrf_token is sent back by the
//                   client in `x-csrf-token` on state-changing requests. Idle expiry is read
//                   from last_seen_at, absolute expiry from expires_at (set at sign-in).
//   login_failures  one row per failed sign-in: throttling counts the rows of a username in a
//                   window, in Postgres, so the limit holds across API replicas.
//   users.last_login_at
// The audit log's older action names move to the one vocabulary (@ew/accounts audit.ts).
// Frozen in time: never import application code here.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table sessions (
      id text primary key,
      user_id integer not null references users on delete cascade,
      csrf_token text not null,
      created_at timestamptz not null default now(),
      last_seen_at timestamptz not null default now(),
      expires_at timestamptz not null
    );
    create index sessions_user on sessions (user_id);
    create index sessions_expires on sessions (expires_at);

    create table login_failures (
      id bigserial primary key,
      username text not null,
      ip text,
      at timestamptz not null default now()
    );
    create index login_failures_username_at on login_failures (username, at);

    alter table users add column last_login_at timestamptz;
    create index audit_log_actor_user on audit_log (actor_user_id, id);
    create index audit_log_subject on audit_log (subject_type, subject_id);

    update audit_log set action = case
        when action = 'IMPORT_REQUESTED' and detail->>'replaces' is not null then 'import.replace'
        when action = 'IMPORT_REQUESTED' then 'import.request'
        when action = 'match_review.accept' then 'review.accept'
        when action = 'match_review.reject' then 'review.reject'
        else 'export.import_rejects' end
      where action in ('IMPORT_REQUESTED', 'match_review.accept', 'match_review.reject',
                       'import.rejects_export', 'REJECTS_EXPORTED');
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    update audit_log set action = case action
        when 'import.request' then 'IMPORT_REQUESTED'
        when 'import.replace' then 'IMPORT_REQUESTED'
        when 'review.accept' then 'match_review.accept'
        when 'review.reject' then 'match_review.reject'
        else 'import.rejects_export' end
      where action in ('import.request', 'import.replace', 'review.accept', 'review.reject',
                       'export.import_rejects');
    drop index if exists audit_log_subject;
    drop index if exists audit_log_actor_user;
    alter table users drop column if exists last_login_at;
    drop table if exists login_failures;
    drop table if exists sessions;
  `.execute(db);
}
