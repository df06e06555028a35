import { describe, expect, it } from 'vitest';
import { createLogger, scrubForLog, scrubIdText } from './logger.ts';

// Valid-looking resident IDs (the pattern does not care about the check digit).
const ID18 = '11010119900307123X';
const ID18_LOWER = '110101199003071234'.slice(0, 17) + 'x';
const ID15 = '110101900307123';
const ID_FULLWIDTH = '１１０１０１１９９００３０７１２３４';
const ANY_ID = /(?<![0-9０-９])(?:[0-9０-９]{17}[0-9０-９XxＸｘ]|[0-9０-９]{15})(?![0-9０-９])/;

function capture() {
  const lines: string[] = [];
  const logger = createLogger('test-svc', 'trace', {
    destination: { write: (s: string) => void lines.push(s) },
  });
  return {
    logger,
    lines,
    output: () => lines.join(''),
    records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger: a full ID never reaches a log line', () => {
  it('in the message string, with interpolation arguments', () => {
    const { logger, output, records } = capture();
    logger.info(`importing row for ${ID18}`);
    logger.info('old id %s and lower-case %s', ID15, ID18_LOWER);
    logger.warn('full-width %s', ID_FULLWIDTH);
    logger.info('as objects %o %j', { id: ID18 }, { list: [ID15] });
    expect(output()).not.toMatch(ANY_ID);
    expect(records()[0]?.['msg']).toBe('importing row for 110101********123X');
    expect(records()[1]?.['msg']).toBe('old id 110101********7123 and lower-case 110101********123X');
    expect(records()[2]?.['msg']).toBe('full-width 110101********1234');
  });

  it('in a nested object, under any key, in arrays, numbers and the logger bindings', () => {
    const { logger, output, records } = capture();
    const row = {
      line: 7,
      cells: ['张三', ID18, `'${ID15}`],
      extra: { deeper: { note: `ID:${ID18_LOWER};` } },
    };
    logger.info({ importId: 12, row, numeric: 110101900307123 }, 'rejected row');
    logger.child({ batch: `b-${ID18}`, idNumber: ID15 }).info('child');
    expect(output()).not.toMatch(ANY_ID);
    const [first, second] = records();
    expect(first?.['row']).toEqual({
      line: 7,
      cells: ['张三', '110101********123X', "'110101********7123"],
      extra: { deeper: { note: 'ID:110101********123X;' } },
    });
    expect(first?.['numeric']).toBe('110101********7123');
    expect(first?.['importId']).toBe(12);
    expect(second).toMatchObject({ batch: 'b-110101********123X', idNumber: '110101********7123' });
    // the caller's object is not modified
    expect(row.cells[1]).toBe(ID18);
  });

  it('in an error message, its cause, its stack and its own properties', () => {
    const { logger, output, records } = capture();
    const err = Object.assign(new Error(`no household for ${ID18}`, { cause: new Error(`lookup ${ID15}`) }), {
      detail: { idNumber: ID18, text: `see ${ID18}` },
    });
    logger.error(err);
    logger.error({ err }, 'match failed');
    logger.error({ err });
    logger.warn({ job: { failure: new TypeError(`bad ${ID18_LOWER}`) } }, 'nested error');
    expect(output()).not.toMatch(ANY_ID);
    const [plain, withMsg, errOnly, nested] = records();
    expect(plain?.['msg']).toBe('no household for 110101********123X');
    expect(plain?.['err']).toMatchObject({
      type: 'Error',
      message: 'no household for 110101********123X: lookup 110101********7123',
      detail: { idNumber: '110101********123X', text: 'see 110101********123X' },
    });
    expect(String((plain?.['err'] as { stack: string }).stack)).toContain(
      'caused by: Error: lookup 110101********7123',
    );
    expect(withMsg?.['msg']).toBe('match failed');
    expect(errOnly?.['msg']).toBe('no household for 110101********123X');
    expect(nested?.['job']).toMatchObject({
      failure: { type: 'TypeError', message: 'bad 110101********123X' },
    });
  });

  it('keeps an error class name set as an own property (as type, or errorName)', () => {
    const { logger, output, records } = capture();
    class ImportError extends Error {
      constructor(message: string) {
        super(message);
        this.name = 'ImportError';
      }
    }
    logger.error({ err: new ImportError(`row for ${ID18}`) }, 'import failed');
    expect(output()).not.toMatch(ANY_ID);
    const renamed = Object.assign(new Error('plain'), { name: 'RowRejected' });
    logger.error({ err: renamed }, 'rejected');
    expect(records()[0]?.['err']).toMatchObject({
      type: 'ImportError',
      message: 'row for 110101********123X',
    });
    expect(records()[0]?.['err']).not.toHaveProperty('name');
    expect(records()[1]?.['err']).toMatchObject({ type: 'Error', errorName: 'RowRejected' });
  });

  it('even when the text bypasses the formatters (last layer: the serialized line)', () => {
    const { logger, output, records } = capture();
    // pino adds msgPrefix after hooks.logMethod and outside formatters.log.
    logger.child({}, { msgPrefix: `[${ID18}] ` }).info('prefixed');
    expect(output()).not.toMatch(ANY_ID);
    expect(records()[0]?.['msg']).toBe('[110101********123X] prefixed');
  });

  it('leaves other digit runs alone', () => {
    const { logger, records } = capture();
    logger.info(
      { count: 1234567890123, card: '6222021234567890123', hash: 'a'.repeat(64) },
      '20 digits 12345678901234567890',
    );
    const [r] = records();
    expect(r).toMatchObject({
      count: 1234567890123,
      card: '6222021234567890123',
      msg: '20 digits 12345678901234567890',
    });
    expect(typeof r?.['time']).toBe('string');
  });
});

describe('createLogger: names under redacted keys are masked', () => {
  it('at the top level, nested, deep and under Chinese keys; the logger name is kept', () => {
    const { logger, output, records } = capture();
    logger.info(
      {
        name: '张三丰',
        personName: '李四',
        姓名: '王五',
        member: { name: '赵六', idNumber: ID18, relation: '子女' },
        household: { head: { fullName: '阿依古丽·买买提', 身份证号: ID15 } },
        members: [{ name: '钱七' }],
      },
      'household loaded',
    );
    const [r] = records();
    expect(r?.['name']).toBe('张**');
    expect(r?.['personName']).toBe('李*');
    expect(r?.['姓名']).toBe('王*');
    expect(r?.['member']).toEqual({ name: '赵*', idNumber: '110101********123X', relation: '子女' });
    expect(r?.['household']).toEqual({ head: { fullName: '阿*******', 身份证号: '110101********7123' } });
    expect(r?.['members']).toEqual([{ name: '钱*' }]);
    for (const full of ['张三丰', '李四', '王五', '赵六', '阿依古丽', '钱七'])
      expect(output()).not.toContain(full);

    logger.info('no object');
    expect(records()[1]?.['name']).toBe('test-svc');

    logger
      .child({ town: 'T1' })
      .child({ household: { head: { name: '孙小美' } } })
      .info('grandchild');
    expect(records()[2]).toMatchObject({
      name: 'test-svc',
      town: 'T1',
      household: { head: { name: '孙**' } },
    });
    expect(output()).not.toContain('孙小美');
  });

  it('masks non-string values under sensitive keys', () => {
    const { logger, records } = capture();
    logger.info({ person: { name: { family: '张', given: '三' }, idNumber: 110101900307123 } });
    expect(records()[0]?.['person']).toEqual({ name: '[Redacted]', idNumber: '110101********7123' });
  });
});

describe('scrubIdText / scrubForLog', () => {
  it('mask IDs bounded by non-digits only', () => {
    expect(scrubIdText(`a${ID18}b ${ID15}`)).toBe('a110101********123Xb 110101********7123');
    expect(scrubIdText('1234567890123456')).toBe('1234567890123456'); // 16 digits
    expect(scrubIdText('12345678901234567890')).toBe('12345678901234567890'); // 20 digits
  });

  it('handles cycles without throwing', () => {
    const a: Record<string, unknown> = { idNumber: ID18 };
    a['self'] = a;
    expect(scrubForLog(a)).toEqual({ idNumber: '110101********123X', self: '[Circular]' });
  });
});
