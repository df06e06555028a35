import type { FeedName } from '../mappings.ts';
import { education } from './education.ts';
import { housing } from './housing.ts';
import { hr } from './hr.ts';
import { medical } from './medical.ts';
import { rural } from './rural.ts';
import type { FeedDef } from './types.ts';

export const FEEDS: Readonly<Record<FeedName, FeedDef>> = { education, hr, housing, medical, rural };
