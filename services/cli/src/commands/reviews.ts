// `reviews counts | list | accept | reject`: the data administrator resolves ambiguous matches and
// identity conflicts. Candidates are shown side by side, masked, with their village and relation
// to the head.
import { Command } from 'commander';
import {
  decideReview,
  listReviews,
  ReviewDecisionError,
  type ReviewListItem,
} from '@ew/pipeline/match/review';
import { openReviewCounts } from '@ew/pipeline/match/review-counts';
import { evaluateMatchedRow } from '@ew/pipeline/rules/evaluate-chunk';
import { cliOperator, withApp } from '../app.ts';
import { table } from '../format.ts';

function formatReview(r: ReviewListItem): string {
  const rows: Array<Array<string | number | null>> = [
    [
      'row',
      r.row.idMasked,
      r.row.nameMasked,
      r.row.birthDate,
      r.row.gender,
      r.row.town,
      r.row.idStatus,
      null,
      null,
      null,
    ],
    ...r.candidates.map((c) => [
      `person ${c.personId}`,
      c.idMasked,
      c.nameMasked,
      c.birthDate,
      c.gender,
      c.town,
      `${c.kind} ${c.score.toFixed(2)}`,
      c.householdNo,
      c.village,
      c.relation,
    ]),
  ];
  return [
    `review ${r.reviewId} (${r.kind}, ${r.status}) — import ${r.importId} ${r.feed} ${r.period}, row ${r.rowNo}`,
    table(
      ['', 'ID', 'name', 'birth', 'sex', 'town', 'match', 'household', 'village', 'relation'],
      rows,
    ).replace(/^/gm, '  '),
  ].join('\n');
}

export function reviewsCommand(): Command {
  const reviews = new Command('reviews').description('ambiguous matches and identity conflicts to resolve');
  reviews
    .command('counts')
    .description('open reviews per feed and per import')
    .action(async () => {
      await withApp(async ({ ctx }) => {
        const counts = await openReviewCounts(ctx.database.db);
        const byFeed = table(
          ['feed', 'open'],
          counts.byFeed.map((f) => [f.feed, f.open]),
        );
        const byImport = table(
          ['import', 'feed', 'period', 'file', 'open'],
          counts.byImport.map((i) => [i.importId, i.feed, i.period, i.fileName, i.open]),
        );
        process.stdout.write(`open reviews: ${counts.total}\n\n${byFeed}\n\n${byImport}\n`);
      });
    });
  reviews
    .command('list')
    .option('--import <id>', 'only this import')
    .option('--status <status>', 'OPEN | ACCEPTED | REJECTED | SUPERSEDED', 'OPEN')
    .option('--limit <n>', 'at most this many', '20')
    .action(async (opts: { import?: string; status: string; limit: string }) => {
      await withApp(async ({ ctx }) => {
        const items = await listReviews(ctx.database.db, {
          ...(opts.import ? { importId: Number(opts.import) } : {}),
          status: opts.status as ReviewListItem['status'],
          limit: Number(opts.limit),
        });
        process.stdout.write(
          items.length === 0 ? 'no reviews\n' : items.map(formatReview).join('\n\n') + '\n',
        );
      });
    });
  reviews
    .command('accept')
    .description('match the row to one of its candidates; its rules run at once')
    .argument('<reviewId>')
    .argument('<personId>')
    .action(async (reviewId: string, personId: string) => {
      await decide(Number(reviewId), { personId: Number(personId) });
    });
  reviews
    .command('reject')
    .description('none of the candidates is the person: the row stays unmatched')
    .argument('<reviewId>')
    .action(async (reviewId: string) => {
      await decide(Number(reviewId), 'reject');
    });
  return reviews;
}

async function decide(reviewId: number, choice: { personId: number } | 'reject'): Promise<void> {
  await withApp(async ({ ctx }) => {
    try {
      const result = await decideReview(ctx.database.db, { reviewId, actor: cliOperator().actor, choice });
      process.stdout.write(
        `review ${reviewId}: ${result.status}${result.changed ? '' : ' (already decided so)'}\n`,
      );
      if (result.newlyMatched) {
        const evaluated = await evaluateMatchedRow(ctx, result.newlyMatched);
        if ('signals' in evaluated) {
          const codes = Object.entries(evaluated.signals)
            .map(([c, n]) => `${c} ${n}`)
            .join(', ');
          process.stdout.write(`  rules evaluated: ${codes || 'no signal'}\n`);
        }
      }
    } catch (error) {
      if (error instanceof ReviewDecisionError) {
        process.stderr.write(`review ${reviewId}: ${error.code}: ${error.message}\n`);
        process.exitCode = 2;
        return;
      }
      throw error;
    }
  });
}
