// Matching (domain §3): the match job, the review list, re-matching after a register snapshot,
// and match quality against a ground truth.
export { matchChunk, matchChunkIn, type MatchChunkOutcome } from './match-chunk.ts';
export { matchRows, matchThresholds, type MatchCounts, type MatchRowsContext } from './match-rows.ts';
export { rowRange, rowSet, type RowFilter } from './row-filter.ts';
export type { CandidateKind, MatchDecision, MatchThresholds, ReviewCandidate } from './decide.ts';
export {
  decideReview,
  listReviews,
  ReviewDecisionError,
  type DecideReviewInput,
  type DecideReviewResult,
  type ListReviewsOptions,
  type ReviewChoice,
  type ReviewErrorCode,
  type ReviewListItem,
} from './review.ts';
export { openReviewCounts, type OpenReviewCounts, type OpenReviewsByImport } from './review-counts.ts';
export { revealReview, type RevealedPerson, type RevealedReview } from './review-reveal.ts';
export { reuseEarlierDecisions, REUSE_ACTOR, type ReusedDecisions } from './review-reuse.ts';
export { rematchAfterSnapshot, type RematchResult } from './rematch.ts';
export { measureMatchQuality, type MatchQuality, type TruthRow } from './quality.ts';
