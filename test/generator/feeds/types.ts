// What a feed definition supplies to the common row engine (feeds/engine.ts): which register
// persons it is about, and the clean canonical values of its own fields, planted around the
// early-warning thresholds of domain §4.

import type { FeedName, FeedLayout } from '../mappings.ts';
import type { Rng } from '../prng.ts';
import type { Register } from '../register.ts';
import type { Standards } from '../standards.ts';
import type { Canon } from '../truth.ts';

export interface FeedContext {
  readonly reg: Register;
  readonly layout: FeedLayout;
  readonly periodDay: number;
  readonly standards: Standards;
  readonly rng: Rng;
  /**
   * A random register person satisfying `pred`, preferring ones not used yet in this feed; -1 if
   * nobody does. The persons satisfying `pred` are listed once per `key` (the key names the predicate).
   */
  pick(key: string, pred: (p: number) => boolean): number;
  /** Completed years on the period. */
  ageOf(p: number): number;
  /** Per-capita household income ≤ the marginal threshold on the period (memoised). */
  lowIncome(hh: number): boolean;
}

/** The person a row is about (in the register or not). */
export interface Subject {
  readonly inRegister: boolean;
  /** Register person index, -1 outside. */
  readonly p: number;
  readonly id: string;
  readonly name: string;
  readonly birth: number;
  readonly male: boolean;
  /** Household index, -1 outside. */
  readonly hh: number;
  readonly town: number;
  readonly urban: boolean;
}

export interface FeedValues {
  values: Record<string, Canon>;
  plants: string[];
}

export interface FeedDef {
  readonly feed: FeedName;
  /** Ages of people outside the register who appear in this feed. */
  readonly outsideAge: readonly [number, number];
  /** Who may appear at all (used for the namesake pool). */
  eligible(ctx: FeedContext, p: number): boolean;
  /** Draws a register subject, with the feed's planting preferences. */
  choose(ctx: FeedContext): number;
  /** Canonical values for the feed's own fields (the engine fills id, name, gender, birth date, town). */
  values(ctx: FeedContext, s: Subject): FeedValues;
}

/** Household helpers shared by the feed definitions. */
export function marginalOf(ctx: FeedContext, hh: number): number {
  return ctx.standards.marginalAt(ctx.periodDay, ctx.reg.isUrban(hh));
}

export function isLowIncome(ctx: FeedContext, hh: number): boolean {
  return ctx.lowIncome(hh);
}

/** Integer cents → CNY number. */
export function cny(cents: number): number {
  return Math.round(cents) / 100;
}

/** Monthly household income in integer cents, or null. */
export function incomeCents(ctx: FeedContext, hh: number): number | null {
  if (hh < 0) return null;
  const v = ctx.reg.income(hh);
  return v === null ? null : Math.round(v * 100);
}
