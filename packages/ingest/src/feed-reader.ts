// Convenience: open a delivered file for one feed — read the table, check its headers against
// the feed's mapping, compile the row mapper. The file is closed again when it is refused.

import { openTable, type OpenTableOptions } from './file-reader.ts';
import { resolveHeaders, type ResolvedHeaders } from './headers.ts';
import type { FeedMapping } from './mapping.ts';
import { createRowMapper, type RowMapper } from './row-mapper.ts';
import type { SourceTable } from './table.ts';

export interface OpenedFeedFile {
  readonly table: SourceTable;
  readonly resolved: ResolvedHeaders;
  readonly mapRow: RowMapper;
}

/**
 * `openTable` + `resolveHeaders` (with the WRONG_FEED check when `allMappings` is given) +
 * `createRowMapper`. Throws the IngestError of either step; iterate `table.rows` through
 * `mapRow` (iteration itself may still throw FILE_UNDECODABLE / FILE_TRUNCATED / LINE_TOO_LONG).
 */
export async function openFeedFile(
  path: string,
  mapping: FeedMapping,
  allMappings?: ReadonlyMap<string, FeedMapping>,
  options: OpenTableOptions = {},
): Promise<OpenedFeedFile> {
  const table = await openTable(path, options);
  try {
    const resolved = resolveHeaders(mapping, table.headers, allMappings, {
      file: table.file,
      headerRowNo: table.headerRowNo,
    });
    return { table, resolved, mapRow: createRowMapper(mapping, resolved) };
  } catch (e) {
    await table.close();
    throw e;
  }
}
