// `import --feed F --period P FILE`: stores the file, queues the import, and waits for it to go
// through the pipeline with a progress line (rows/s), then prints the import report.
import { Command } from 'commander';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { importReport, rejectsCsv, type ImportReport } from '@ew/pipeline/imports/import-report';
import { requestImport, ImportRequestError } from '@ew/pipeline/imports/request-import';
import { resumeImport } from '@ew/pipeline/imports/resume-import';
import { purgeSupersededStagedRows } from '@ew/pipeline/imports/purge-superseded';
import type { Runtime } from '@ew/pipeline/runtime';
import { installationId, queueJobId } from '@ew/queue';
import { audit } from '@ew/accounts';
import { cliOperator, startCliRuntime, withApp, type CliApp } from '../app.ts';
import { num, table } from '../format.ts';
import { userPath } from '../paths.ts';

const FINISHED = new Set(['EVALUATED', 'REFUSED', 'FAILED', 'REPLACED']);

export function importCommand(): Command {
  return new Command('import')
    .description('load a departmental feed file (CSV or XLSX, any common Chinese encoding)')
    .requiredOption('--feed <feed>', 'education | hr | housing | medical | rural (a mapping in FEEDS_DIR)')
    .requiredOption(
      '--period <period>',
      'as-of date of the extract: YYYY-MM-DD, or YYYY-MM for the month end',
    )
    .option('--replace', 'replace the live delivery of this feed and period with this corrected file')
    .option('--no-wait', 'queue the import and return')
    .option('--inline', 'run the pipeline in this process even if workers are running')
    .option('--json', 'print the final report as JSON')
    .argument('<file>')
    .action(
      async (
        file: string,
        opts: {
          feed: string;
          period: string;
          replace?: boolean;
          wait: boolean;
          inline?: boolean;
          json?: boolean;
        },
      ) => {
        await withApp(async (app) => {
          const report = await importAndWait(
            app,
            { feed: opts.feed, period: opts.period, file: userPath(file), replace: opts.replace === true },
            {
              wait: opts.wait,
              mode: opts.inline ? 'inline' : 'auto',
              quiet: opts.json === true,
            },
          );
          if (report && opts.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
          else if (report) process.stdout.write(formatReport(report) + '\n');
          // refused, failed, or (its job failed for good before the import was marked) unfinished
          if (
            report &&
            (report.status === 'REFUSED' || report.status === 'FAILED' || !FINISHED.has(report.status))
          )
            process.exitCode = 2;
        });
      },
    );
}

export async function importAndWait(
  app: CliApp,
  request: { feed: string; period: string; file: string; replace: boolean },
  options: { wait: boolean; mode: 'inline' | 'auto'; quiet: boolean; runtime?: Runtime },
): Promise<ImportReport | null> {
  let result;
  try {
    result = await requestImport(app.ctx, {
      ...request,
      requestedBy: cliOperator().actor,
    });
  } catch (error) {
    if (error instanceof ImportRequestError) {
      process.stderr.write(`import refused (${error.code}): ${error.message}\n`);
      process.exitCode = 2;
      return null;
    }
    throw error;
  }
  const log = (s: string) => options.quiet || process.stderr.write(s);
  if (result.outcome === 'ALREADY_IMPORTED' && !FINISHED.has(result.status)) {
    // delivered before but not finished (its worker died, Redis lost the jobs): carry it on
    const resent = await resumeImport(app.ctx.database.db, result.importId);
    log(
      `import ${result.importId} (these bytes) is unfinished (${result.status}); resuming it (${resent} jobs resent)\n`,
    );
  } else if (result.outcome === 'ALREADY_IMPORTED') {
    log(
      `${request.file}: these exact bytes were already delivered for ${request.feed} ${request.period} (import ${result.importId}, ${result.status}); nothing new.\n`,
    );
    return importReport(app.ctx.database.db, result.importId);
  }
  if (result.outcome === 'QUEUED') {
    log(
      `import ${result.importId} queued (${request.feed}, period ${request.period})${result.replacesImportId ? `, replacing import ${result.replacesImportId}` : ''}\n`,
    );
  }
  const own = options.runtime
    ? null
    : await startCliRuntime(app, options.wait ? options.mode : 'enqueue-only');
  const runtime = options.runtime ?? own!.runtime;
  try {
    await runtime.relay();
    if (!options.wait) return null;
    if (own && !own.inline) log('workers are running: waiting for them (use --inline to run here)\n');
    await waitForImport(app, runtime, result.importId, log);
  } finally {
    await own?.runtime.close();
  }
  return importReport(app.ctx.database.db, result.importId);
}

async function waitForImport(
  app: CliApp,
  runtime: Runtime,
  importId: number,
  log: (s: string) => unknown,
): Promise<void> {
  const started = Date.now();
  const tty = process.stderr.isTTY;
  let lastLine = '';
  for (;;) {
    const imp = await app.ctx.database.db
      .selectFrom('imports')
      .select(['status', 'rows_read'])
      .where('id', '=', importId)
      .executeTakeFirstOrThrow();
    const chunks = await app.ctx.database.db
      .selectFrom('import_chunks')
      .select([
        'stage',
        (eb) => eb.fn.countAll<number>().as('total'),
        (eb) => eb.fn.count<number>('done_at').as('done'),
      ])
      .where('import_id', '=', importId)
      .groupBy('stage')
      .execute();
    let rowsRead = imp.rows_read;
    if (imp.status === 'QUEUED' || imp.status === 'STAGING') {
      const job = await runtime.queues.import.getJob(
        queueJobId(`import-${importId}`, await installationId(app.ctx.database.db)),
      );
      const progress = job?.progress as { rowsRead?: number } | undefined;
      rowsRead = progress?.rowsRead ?? 0;
      // failed for good (a retry would be 'delayed' or 'waiting'): nothing will finish the import
      if (job && (await job.getState()) === 'failed') {
        if (tty) log('\n');
        log(`import ${importId}: its job failed and will not run again: ${job.failedReason}\n`);
        return;
      }
    }
    const seconds = (Date.now() - started) / 1000;
    const stage = (s: string) => {
      const c = chunks.find((x) => x.stage === s);
      return c ? `${s} ${c.done}/${c.total}` : `${s} -`;
    };
    const line = `  ${imp.status.padEnd(9)} rows ${num(rowsRead)} (${num(Math.round(rowsRead / Math.max(seconds, 0.001)))} rows/s)  ${stage('match')}  ${stage('evaluate')}  ${seconds.toFixed(1)}s`;
    if (tty) log(`\r${line}`);
    else if (line.split('  ')[1] !== lastLine.split('  ')[1]) log(line + '\n');
    lastLine = line;
    if (FINISHED.has(imp.status)) {
      if (tty) log('\n');
      return;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Header notes (columns ignored, optional fields absent, fields derived), one line each. */
export function formatWarnings(warnings: ReadonlyArray<{ code: string; message: string }>): string[] {
  return warnings.map((w) => `  warning (${w.code}): ${w.message}`);
}

export function formatReport(r: ImportReport): string {
  const lines = [
    `Import ${r.importId}: ${r.feed}, period ${r.period}, file ${r.fileName} (${r.format ?? '?'}${r.encoding ? `, ${r.encoding}` : ''}) — ${r.status}`,
  ];
  if (r.error) lines.push(`  ${r.status === 'FAILED' ? 'failed' : 'refused'}: ${r.error.message}`);
  lines.push(...formatWarnings(r.warnings));
  lines.push(
    `  rows read ${num(r.rowsRead)}, accepted ${num(r.rowsAccepted)}, rejected ${num(r.rowsRejected)}, duplicates ${num(r.rowsDuplicate)}`,
    `  since the previous delivery${r.delta.previousImportId ? ` (import ${r.delta.previousImportId})` : ' (none)'}: new ${num(r.delta.new)}, changed ${num(r.delta.changed)}, gone ${num(r.delta.gone)}`,
  );
  if (r.replaced) {
    const rowsOf = (rows: number[], n: number) =>
      n === 0 ? '' : ` (rows ${rows.join(', ')}${n > rows.length ? ', …' : ''})`;
    lines.push(
      `  against the replaced file (import ${r.replaced.replacedImportId}): new ${num(r.replaced.new)}${rowsOf(r.replaced.examples.new, r.replaced.new)}, ` +
        `changed ${num(r.replaced.changed)}${rowsOf(r.replaced.examples.changed, r.replaced.changed)}, ` +
        `gone ${num(r.replaced.gone)}${rowsOf(r.replaced.examples.gone, r.replaced.gone)} (gone: rows of the replaced file)`,
      `  signals of the replaced file this one no longer raises: ${num(r.replaced.signalsWithdrawn)} withdrawn (open tasks flagged 部分信号已撤销)`,
    );
  }
  if (r.rejectsByReason.length > 0) {
    lines.push('  rejects by reason:');
    for (const reason of r.rejectsByReason) {
      const ex = reason.examples[0];
      lines.push(
        `    ${reason.reason.padEnd(22)} ${num(reason.rows).padStart(8)}   e.g. row ${ex?.rowNo}: ${ex?.message ?? ''}`,
      );
    }
  }
  const methods = Object.entries(r.matchedByMethod);
  if (methods.length > 0) {
    lines.push(
      '  matching:',
      table(
        ['method', 'rows'],
        methods.map(([m, n]) => [m, n]),
      ).replace(/^/gm, '    '),
    );
    lines.push(`  open reviews: ${num(r.reviewsOpen)}`);
  }
  const signals = Object.entries(r.signalsByCode);
  if (signals.length > 0) {
    lines.push(
      '  signals:',
      table(
        ['code', 'signals'],
        signals.map(([c, n]) => [c, n]),
      ).replace(/^/gm, '    '),
    );
    lines.push(`  alerts raised or updated: ${num(r.alertsRaised)}`);
  }
  if (r.signalsWithdrawn > 0) {
    lines.push(
      `  signals withdrawn (no longer true, e.g. not raised again by a corrected file): ${num(r.signalsWithdrawn)}`,
    );
  }
  return lines.join('\n');
}

export function importsListCommand(): Command {
  return new Command('list')
    .description('the deliveries loaded so far, newest first (ids for `imports report`)')
    .option('--feed <feed>', 'only this feed')
    .option('--limit <n>', 'at most this many', '50')
    .action(async (opts: { feed?: string; limit: string }) => {
      await withApp(async (app) => {
        let q = app.ctx.database.db
          .selectFrom('imports')
          .select([
            'id',
            'feed',
            'period',
            'file_name',
            'status',
            'rows_read',
            'rows_accepted',
            'rows_rejected',
            'replaces_import_id',
          ])
          .orderBy('id', 'desc')
          .limit(Number(opts.limit));
        if (opts.feed) q = q.where('feed', '=', opts.feed);
        const rows = await q.execute();
        process.stdout.write(
          rows.length === 0
            ? 'no imports\n'
            : table(
                ['import', 'feed', 'period', 'file', 'status', 'read', 'accepted', 'rejected', 'replaces'],
                rows.map((r) => [
                  String(r.id),
                  r.feed,
                  r.period,
                  r.file_name,
                  r.status,
                  r.rows_read,
                  r.rows_accepted,
                  r.rows_rejected,
                  r.replaces_import_id === null ? null : String(r.replaces_import_id),
                ]),
              ) + '\n',
        );
      });
    });
}

export function importReportCommand(): Command {
  return new Command('report')
    .description('print an import report; optionally export its rejects as CSV for the department')
    .argument('<importId>')
    .option('--json', 'as JSON')
    .option('--rejects-csv <path>', 'write the rejected rows (masked) as CSV')
    .action(async (importId: string, opts: { json?: boolean; rejectsCsv?: string }) => {
      await withApp(async (app) => {
        const report = await importReport(app.ctx.database.db, Number(importId));
        if (!report) {
          process.stderr.write(`no import ${importId}\n`);
          process.exitCode = 2;
          return;
        }
        process.stdout.write((opts.json ? JSON.stringify(report, null, 2) : formatReport(report)) + '\n');
        if (opts.rejectsCsv) {
          const out = createWriteStream(userPath(opts.rejectsCsv));
          for await (const part of rejectsCsv(app.ctx.database.db, report.importId)) {
            if (!out.write(part)) await once(out, 'drain');
          }
          out.end();
          await once(out, 'finish');
          await audit(app.ctx.database.db, {
            ...cliOperator(),
            action: 'export.import_rejects',
            subjectType: 'import',
            subjectId: report.importId,
          });
          process.stderr.write(`rejects written to ${opts.rejectsCsv}\n`);
        }
      });
    });
}

export function importPurgeCommand(): Command {
  return new Command('purge-superseded')
    .description(
      'delete the staged rows of deliveries replaced by a corrected file (the import, its report, rejects, matches and signals stay)',
    )
    .option('--dry-run', 'only count what would be deleted')
    .action(async (opts: { dryRun?: boolean }) => {
      await withApp(async (app) => {
        const purged = await purgeSupersededStagedRows(app.ctx.database.db, {
          dryRun: opts.dryRun === true,
          actor: `cli:${process.env.USER ?? 'unknown'}`,
        });
        if (purged.length === 0) {
          process.stdout.write('no superseded delivery has staged rows left\n');
          return;
        }
        process.stdout.write(
          table(
            ['import', 'feed', 'period', opts.dryRun ? 'rows to delete' : 'rows deleted'],
            purged.map((p) => [String(p.importId), p.feed, p.period, p.rows]),
          ) + '\n',
        );
      });
    });
}
