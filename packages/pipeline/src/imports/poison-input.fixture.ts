// HR feed files for the poison-input tests: clean ones, and one with a NUL byte far past the
// start (what made COPY fail with `invalid byte sequence for encoding "UTF8": 0x00`).
import { idCheckDigit } from '@ew/core';

export const HR_HEADER = '公民身份号码,姓名,业务类型,业务日期,月收入';

function id(seq: number): string {
  const first17 = `13080219800102${String(seq % 1000).padStart(3, '0')}`;
  return first17 + idCheckDigit(first17);
}

/** `rows` data rows; with `nulOnLine` (header = line 1), that line's 业务类型 cell holds a NUL. */
export function hrFile(rows: number, nulOnLine?: number): string {
  const lines = [HR_HEADER];
  for (let line = 2; line <= rows + 1; line++) {
    lines.push(`${id(line)},张三,${line === nulOnLine ? '失业\0登记' : '失业登记'},2023-03-01,`);
  }
  return lines.join('\n') + '\n';
}
