// pino loggers that never write a full resident ID number or a full name (domain §8).
//
// Layers, outermost last:
//  1. Key masking: values under ID keys (`idNumber`, `id_number`, `身份证号`, …) become
//     `110101********1234` (`maskIdNumber`), values under name keys (`name`, `personName`, `姓名`, …)
//     become surname + `*`s (`maskName`), at any depth — via `formatters.log`/`bindings` (also for
//     child-logger bindings) and, as pino's own mechanism, `redact` (top level and one level down).
//  2. Pattern scrubbing: every 18-digit (`\d{17}[\dX]`) or 15-digit run bounded by non-digits, in
//     messages, interpolation arguments, string values, numbers and error messages/stacks, is masked.
//  3. `hooks.streamWrite`: the same pattern applied to the final serialized line, whatever path the
//     text took to get there.
//
// Caveats: a nested `name` key is masked whatever it names, so log queue/feed/job names under
// other keys (`queue`, `feed`, `jobName`). A name in free text cannot be recognised: never put one
// in a message (architecture: "pino redact matches keys only"). IDs written with spaces or hyphens
// inside are not recognised by the pattern; log database ids, not personal data.
import { maskIdNumber, maskName } from '@ew/core';
import { pino } from 'pino';
import type { DestinationStream, Logger, LoggerOptions } from 'pino';
import type { LogLevel } from './env.ts';

export type { Logger } from 'pino';

/** Keys whose values are resident ID numbers (compared case-insensitively by the scrubber). */
export const ID_KEYS: readonly string[] = Object.freeze([
  'idNumber',
  'id_number',
  'idNo',
  'id_no',
  'idCard',
  'id_card',
  'idCardNumber',
  'residentId',
  'resident_id',
  'sfzh',
  '身份证号',
  '身份证号码',
  '公民身份号码',
  '证件号码',
]);

/** Keys whose values are person names. Top-level `name` is masked in log objects, not in bindings. */
export const NAME_KEYS: readonly string[] = Object.freeze([
  'name',
  'personName',
  'person_name',
  'fullName',
  'full_name',
  'memberName',
  'member_name',
  'headName',
  'head_name',
  'xm',
  '姓名',
  '户主姓名',
]);

const ID_KEY_SET: ReadonlySet<string> = new Set(ID_KEYS.map((k) => k.toLowerCase()));
const NAME_KEY_SET: ReadonlySet<string> = new Set(NAME_KEYS.map((k) => k.toLowerCase()));

const DIGIT = '[0-9\\uFF10-\\uFF19]'; // ASCII and full-width digits
const ID_PATTERN = new RegExp(
  `(?<!${DIGIT})(?:${DIGIT}{17}[0-9\\uFF10-\\uFF19XxＸｘ]|${DIGIT}{15})(?!${DIGIT})`,
  'g',
);

/** Replaces every resident-ID-looking run (18 or 15 digits, bounded by non-digits) by its mask. */
export function scrubIdText(text: string): string {
  return text.replace(ID_PATTERN, (id) => maskIdNumber(id));
}

const REDACTED = '[Redacted]';
const MAX_DEPTH = 10;

type KeyKind = 'id' | 'name' | undefined;

function keyKind(key: string | undefined): KeyKind {
  if (key === undefined) return undefined;
  const k = key.toLowerCase();
  if (ID_KEY_SET.has(k)) return 'id';
  if (NAME_KEY_SET.has(k)) return 'name';
  return undefined;
}

function maskUnder(kind: 'id' | 'name', value: unknown): unknown {
  // Already masked by formatters.log (redact then sees it again): masks are idempotent, REDACTED too.
  if (value === null || value === undefined || value === REDACTED) return value;
  if (typeof value === 'string') return kind === 'id' ? maskIdNumber(value) : maskName(value);
  if (typeof value === 'number' || typeof value === 'bigint') {
    return kind === 'id' ? maskIdNumber(String(value)) : REDACTED;
  }
  return REDACTED;
}

/** Pino's error serializer output (type, message with causes, stack with causes, own props), scrubbed. */
function serializeError(err: Error, depth: number, seen: WeakSet<object>): unknown {
  const serialized = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(serialized)) {
    const value = serialized[key];
    if (key === 'name' && value === err.name) {
      // An own `name` (`this.name = 'ImportError'`) labels the error class, not a person, but
      // `*.name` is redacted: keep it as `errorName` unless `type` already says the same.
      if (value !== serialized['type']) out['errorName'] = scrubIdText(String(value));
      continue;
    }
    out[key] = scrub(value, key, depth + 1, seen);
  }
  return out;
}

function scrub(value: unknown, key: string | undefined, depth: number, seen: WeakSet<object>): unknown {
  const kind = keyKind(key);
  if (kind !== undefined) return maskUnder(kind, value);
  switch (typeof value) {
    case 'string':
      return scrubIdText(value);
    case 'number':
    case 'bigint': {
      const text = String(value);
      const scrubbed = scrubIdText(text);
      return scrubbed === text ? value : scrubbed;
    }
    case 'object':
      break;
    default:
      return value;
  }
  if (value === null) return value;
  if (depth > MAX_DEPTH) return '[Object]';
  if (seen.has(value)) return '[Circular]';
  if (value instanceof Date || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value;
  seen.add(value);
  try {
    if (value instanceof Error) return serializeError(value, depth, seen);
    if (Array.isArray(value)) return value.map((v) => scrub(v, undefined, depth + 1, seen));
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return scrub(toJSON.call(value), key, depth + 1, seen);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = scrub(v, k, depth + 1, seen);
    return out;
  } finally {
    seen.delete(value);
  }
}

/**
 * A copy of `value` safe to log or show: ID/name keys masked at any depth, ID-looking digit runs
 * masked in every string, Errors turned into pino's serialized shape. The input is not modified.
 */
export function scrubForLog(value: unknown): unknown {
  return scrub(value, undefined, 0, new WeakSet());
}

function scrubObject(
  obj: Record<string, unknown>,
  keepTopLevel: ReadonlySet<string>,
): Record<string, unknown> {
  const seen = new WeakSet<object>();
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    out[k] = keepTopLevel.has(k) && typeof v === 'string' ? scrubIdText(v) : scrub(v, k, 1, seen);
  }
  return out;
}

const NO_KEYS: ReadonlySet<string> = new Set();
const LOGGER_NAME_KEY: ReadonlySet<string> = new Set(['name']);

/** pino `redact` paths: every ID/name key at the top level (except `name`, the logger's name) and one level down. */
export const LOG_REDACT_PATHS: readonly string[] = Object.freeze(
  [...ID_KEYS, ...NAME_KEYS].flatMap((k) => (k === 'name' ? [`*.${k}`] : [k, `*.${k}`])),
);

/** The last path element is the matched key (the first may be pino's wildcard symbol). */
function censor(value: unknown, path: string[]): unknown {
  const last: unknown = path[path.length - 1];
  const kind = keyKind(typeof last === 'string' ? last : undefined);
  return kind === undefined ? REDACTED : maskUnder(kind, value);
}

/** Scrubs string arguments and interpolated objects; gives error-only calls a scrubbed message. */
function logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void): void {
  const out = args.map((a, i) => (i === 0 && typeof a === 'object' && a !== null ? a : scrubForLog(a)));
  const first = out[0];
  // pino would take the message from `err.message` unscrubbed: supply it ourselves.
  if (typeof first === 'object' && first !== null && out.length === 1) {
    const err = first instanceof Error ? first : (first as { err?: unknown }).err;
    const hasMsg = !(first instanceof Error) && (first as { msg?: unknown }).msg !== undefined;
    if (err instanceof Error && !hasMsg) out.push(scrubIdText(err.message));
  }
  method.apply(this, out);
}

export interface CreateLoggerOptions {
  /** Where lines go (default stdout). Tests pass a stream that collects lines. */
  destination?: DestinationStream;
}

/**
 * A JSON logger named `name` (the `name` field of every line) at `level` (default `info`; services
 * pass `env.LOG_LEVEL`). Child loggers (`logger.child({...})`) inherit all the masking; a top-level
 * `name` in bindings is the logger's name (pino's convention) and is not masked.
 */
export function createLogger(
  name: string,
  level: LogLevel = 'info',
  options: CreateLoggerOptions = {},
): Logger {
  const pinoOptions: LoggerOptions = {
    name,
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...LOG_REDACT_PATHS], censor },
    serializers: {
      // Errors are already serialized and scrubbed by formatters.log; this covers anything else.
      err: (value: unknown) => (value instanceof Error ? scrubForLog(value) : value),
    },
    formatters: {
      bindings: (bindings) => scrubObject(bindings, LOGGER_NAME_KEY),
      log: (obj) => scrubObject(obj, NO_KEYS),
    },
    hooks: {
      logMethod: logMethod as NonNullable<LoggerOptions['hooks']>['logMethod'],
      streamWrite: scrubIdText,
    },
  };
  const logger =
    options.destination === undefined ? pino(pinoOptions) : pino(pinoOptions, options.destination);
  // pino applies formatters.bindings to the root's bindings only; children inherit this `child`
  // (they are created with Object.create(parent)), so their bindings are scrubbed the same way.
  const pinoChild = logger.child;
  logger.child = function (this: Logger, bindings: Record<string, unknown>, childOptions?: unknown) {
    return pinoChild.call(this, scrubObject(bindings, LOGGER_NAME_KEY), childOptions as never);
  } as Logger['child'];
  return logger;
}
