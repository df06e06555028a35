// An import that can never finish: refused (the file is bad: REFUSED, the IngestError's code and
// message) or failed (FAILED: the database refused its rows, or the job failed on its last
// attempt). Either way it leaves the live deliveries, so a corrected file for the same feed and
// period can be delivered without --replace, and `cli import` stops waiting and prints the reason.
//
// Reasons are shown to the data administrator and stored: they name the delivered file's name,
// never its path in the file store, and carry no error text that could quote a cell value.
import type { Database } from '@ew/db';
import type { ImportStatus } from '@ew/db';

/** Why an import ended without staging, as recorded in imports.error_code / error_message. */
export interface ImportFailure {
  status: Extract<ImportStatus, 'REFUSED' | 'FAILED'>;
  code: string;
  message: string;
}

/** Records the failure unless the import has moved on meanwhile (staged by another attempt). */
export async function recordImportFailure(
  db: Database,
  importId: number,
  failure: ImportFailure,
): Promise<boolean> {
  const result = await db
    .updateTable('imports')
    .set({
      status: failure.status,
      error_code: failure.code,
      error_message: failure.message,
      finished_at: new Date(),
    })
    .where('id', '=', importId)
    .where('status', 'in', ['QUEUED', 'STAGING'])
    .executeTakeFirst();
  return (result.numUpdatedRows ?? 0n) > 0n;
}

/** SQLSTATE class 22, data exception: these rows will never load, however often it is retried. */
export function isDataException(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code);
}

/** The reason for a database refusal of the file's rows (the SQLSTATE, never the server's text). */
export function dataExceptionFailure(fileName: string, error: { code: string }): ImportFailure {
  return {
    status: 'FAILED',
    code: 'DATA_EXCEPTION',
    message:
      `file "${fileName}": the database refused its rows (SQLSTATE ${error.code}, a data exception); ` +
      'it cannot be loaded as delivered: ask the department for a corrected file',
  };
}

/** The reason for a job that failed on its last attempt, from the error it failed with. */
export function lastAttemptFailure(fileName: string, error: unknown): ImportFailure {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') {
    return {
      status: 'FAILED',
      code: 'STORED_FILE_MISSING',
      message: `file "${fileName}": the stored copy of the delivery is missing from the file store; deliver the file again`,
    };
  }
  const kind = typeof code === 'string' ? code : error instanceof Error ? error.name : 'error';
  return {
    status: 'FAILED',
    code: 'JOB_FAILED',
    message: `file "${fileName}": staging failed on every attempt (last error: ${kind}; the worker log has the details)`,
  };
}
