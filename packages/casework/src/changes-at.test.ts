// When a task page changes with time alone (detailChangesAt): the next midnight in Shanghai (ages),
// or the task's or its paperwork's deadline when that comes first — never a moment already past.
import { describe, expect, it } from 'vitest';
import { detailChangesAt, type TaskDetail } from './detail.ts';
import { nextMidnightInShanghai } from './time.ts';

const at = (iso: string) => new Date(iso);

describe('nextMidnightInShanghai', () => {
  it('is the start of the next calendar day in UTC+8', () => {
    expect(nextMidnightInShanghai(at('2026-12-04T15:59:59.999Z'))).toEqual(at('2026-12-04T16:00:00Z'));
    expect(nextMidnightInShanghai(at('2026-12-04T16:00:00Z'))).toEqual(at('2026-12-05T16:00:00Z'));
    expect(nextMidnightInShanghai(at('2026-12-31T17:00:00Z'))).toEqual(at('2027-01-01T16:00:00Z'));
  });
});

describe('detailChangesAt', () => {
  const now = at('2026-12-04T02:00:00Z'); // 10:00 in Shanghai
  const page = (dueAt: string, paperworkDueAt: string | null) =>
    ({ dueAt: at(dueAt), paperworkDueAt: paperworkDueAt === null ? null : at(paperworkDueAt) }) as TaskDetail;

  it('the deadline when it comes before midnight', () => {
    expect(detailChangesAt(page('2026-12-04T09:00:00Z', null), now)).toEqual(at('2026-12-04T09:00:00Z'));
  });
  it("the paperwork's deadline when that comes first", () => {
    expect(detailChangesAt(page('2026-12-20T00:00:00Z', '2026-12-04T03:00:00Z'), now)).toEqual(
      at('2026-12-04T03:00:00Z'),
    );
  });
  it('midnight when the deadlines are past or later', () => {
    expect(detailChangesAt(page('2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z'), now)).toEqual(
      at('2026-12-04T16:00:00Z'),
    );
    expect(detailChangesAt(page('2026-12-24T00:00:00Z', null), now)).toEqual(at('2026-12-04T16:00:00Z'));
  });
});
