// Deterministic sample-data generator: household register + five departmental feeds + ground truth.
export {
  generate,
  rowsFor,
  DEFAULT_PERIOD,
  DEFAULT_ROW_SHARE,
  type GenerateOptions,
  type GenerateSummary,
  type GeneratedFile,
} from './generate.ts';
export { DEFAULT_NOISE, scaleNoise, type NoiseRates } from './noise.ts';
export { DEFAULT_STANDARDS, Standards, type StandardVersion } from './standards.ts';
export { EXPECTED, type Expected, type TruthLine } from './truth.ts';
export { FEED_NAMES, type FeedName } from './mappings.ts';
export type { RegisterDiff } from './snapshot.ts';
