/**
 * resource.Quantity (k8s.io/apimachinery/pkg/api/resource): `100m`, `0.5`, `1Gi`, `129e6`, `129M`, ...
 *
 * A Quantity holds its exact value in nano-units (bigint), as upstream does: values finer than 1n are
 * rounded up (away from zero), BinarySI values are capped at 2^63-1. `formatQuantity` gives the
 * canonical form upstream's String() gives (`0.1` -> `100m`, `1000` -> `1k`, `1024Mi` -> `1Gi`),
 * keeping the string as written when upstream keeps it (`100m`, `1Ki`, `129e6`, `500Mi`).
 *
 * Deviations: exponents beyond ±1000 are rejected (upstream would build huge numbers), and DecimalSI
 * values of 10^21 and more print with the `E` suffix (upstream loses the suffix).
 */
import { KubeError } from './errors.js';

export type QuantityFormat = 'DecimalExponent' | 'BinarySI' | 'DecimalSI';

export interface Quantity {
  /** The value in units of 10^-9. */
  readonly nanos: bigint;
  readonly format: QuantityFormat;
  /** The string as written, when upstream keeps it as the canonical form. */
  readonly cached?: string;
}

const SPLIT_RE_STRING = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
export const ERR_FORMAT_WRONG = `quantities must match the regular expression '${SPLIT_RE_STRING}'`;
export const ERR_NUMERIC = 'unable to parse numeric part of quantity';
export const ERR_SUFFIX = "unable to parse quantity's suffix";

const NANO = 1_000_000_000n;
const MAX_INT64 = 9223372036854775807n;
const MAX_EXPONENT = 1000;

function bad(message: string): never {
  throw new KubeError('BadRequest', message);
}

interface Parsed {
  positive: boolean;
  num: string;
  denom: string;
  suffix: string;
}

const DIGIT = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const SUFFIX_CHARS = 'eEinumkKMGTP';

/** Port of parseQuantityString (upstream's scanner). */
function scan(str: string): Parsed {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (pos < end) {
    if (str[0] === '-') {
      positive = false;
      pos++;
    } else if (str[0] === '+') pos++;
  }
  // leading zeros
  for (;;) {
    if (pos >= end) return { positive, num: '0', denom: '', suffix: '' };
    if (str[pos] === '0') pos++;
    else break;
  }
  let i = pos;
  while (i < end && DIGIT(str[i])) i++;
  let num = str.slice(pos, i);
  if (i >= end) return { positive, num: num || '0', denom: '', suffix: '' };
  pos = i;
  if (num.length === 0) num = '0';
  let denom = '';
  if (pos < end && str[pos] === '.') {
    pos++;
    let j = pos;
    while (j < end && DIGIT(str[j])) j++;
    denom = str.slice(pos, j);
    if (j >= end) return { positive, num, denom, suffix: '' };
    pos = j;
  }
  const suffixStart = pos;
  let k = pos;
  while (k < end && SUFFIX_CHARS.includes(str[k]!)) k++;
  if (k >= end) return { positive, num, denom, suffix: str.slice(suffixStart) };
  pos = k;
  if (str[pos] === '-' || str[pos] === '+') pos++;
  for (let m = pos; ; m++) {
    if (m >= end) return { positive, num, denom, suffix: str.slice(suffixStart) };
    if (!DIGIT(str[m])) break;
  }
  return bad(ERR_FORMAT_WRONG);
}

interface Suffix {
  base: 2 | 10;
  exponent: number;
  format: QuantityFormat;
}

const DEC_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BIN_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

function interpretSuffix(s: string): Suffix | undefined {
  if (Object.prototype.hasOwnProperty.call(DEC_SUFFIXES, s)) return { base: 10, exponent: DEC_SUFFIXES[s]!, format: 'DecimalSI' };
  if (Object.prototype.hasOwnProperty.call(BIN_SUFFIXES, s)) return { base: 2, exponent: BIN_SUFFIXES[s]!, format: 'BinarySI' };
  if (s.length > 1 && (s[0] === 'e' || s[0] === 'E')) {
    const rest = s.slice(1);
    if (!/^[+-]?[0-9]+$/.test(rest)) return undefined;
    const n = Number(rest);
    if (!Number.isSafeInteger(n)) return undefined;
    return { base: 10, exponent: n, format: 'DecimalExponent' };
  }
  return undefined;
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Divide rounding away from zero (inf.RoundUp). */
function divUp(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b === 0n ? q : a < 0n ? q - 1n : q + 1n;
}

/** Parse a quantity string (or a JSON number). Throws KubeError BadRequest with upstream's message. */
export function parseQuantity(input: string | number | Quantity): Quantity {
  if (typeof input === 'object') return input;
  const str = typeof input === 'number' ? numberToString(input) : input;
  if (str.length === 0) bad(ERR_FORMAT_WRONG);
  if (str === '0') return { nanos: 0n, format: 'DecimalSI', cached: str };

  const p = scan(str);
  const suf = interpretSuffix(p.suffix);
  if (!suf) bad(ERR_SUFFIX);
  if (Math.abs(suf.exponent) > MAX_EXPONENT) bad(ERR_NUMERIC);

  const digits = BigInt(p.num + p.denom);
  const ld = p.denom.length;
  let nanos: bigint;
  if (suf.base === 10) {
    const shift = suf.exponent - ld + 9;
    nanos = shift >= 0 ? digits * pow10(shift) : divUp(digits, pow10(-shift));
  } else {
    const scaled = digits * (1n << BigInt(suf.exponent));
    nanos = 9 - ld >= 0 ? scaled * pow10(9 - ld) : divUp(scaled, pow10(ld - 9));
  }

  let format = suf.format;
  if (format === 'BinarySI') {
    if (nanos > MAX_INT64 * NANO) nanos = MAX_INT64 * NANO;
    if (nanos > 0n && nanos < NANO) format = 'DecimalSI';
  }
  if (!p.positive) nanos = -nanos;

  const q: { nanos: bigint; format: QuantityFormat; cached?: string } = { nanos, format };
  if (keepsString(p, suf)) q.cached = str;
  return q;
}

/** When upstream's fast path reuses the input string as the canonical form. */
function keepsString(p: Parsed, suf: Suffix): boolean {
  const shifted = p.num + p.denom;
  if (suf.format === 'BinarySI') {
    if (p.denom.length !== 0) return false;
    const precision = 15 - p.num.length - Math.trunc((suf.exponent * 3) / 10) - 1;
    if (precision < 0) return false;
    const value = BigInt(shifted);
    if (value * (1n << BigInt(suf.exponent)) > MAX_INT64) return false;
    return suf.exponent % 10 === 0 && (value & 7n) !== 0n;
  }
  const precision = 18 - shifted.length;
  const scale = suf.exponent - p.denom.length;
  if (precision < 0 || scale < -9) return false;
  return scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
}

function numberToString(n: number): string {
  if (!Number.isFinite(n)) bad(ERR_FORMAT_WRONG);
  return String(n);
}

/** Like parseQuantity, but undefined instead of an error. */
export function tryParseQuantity(input: string | number): Quantity | undefined {
  try {
    return parseQuantity(input);
  } catch {
    return undefined;
  }
}

/** The error message parsing would give, or undefined when valid. */
export function quantityError(input: string | number): string | undefined {
  try {
    parseQuantity(input);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export function isZero(q: Quantity): boolean {
  return q.nanos === 0n;
}

/** Value scaled to 10^scale units, rounded away from zero (ScaledValue). */
export function scaledValueBig(q: Quantity | string | number, scale: number): bigint {
  const v = parseQuantity(q).nanos;
  const shift = scale + 9;
  return shift >= 0 ? divUp(v, pow10(shift)) : v * pow10(-shift);
}

/** Value in whole units, rounded up (Value()). */
export function valueBig(q: Quantity | string | number): bigint {
  return scaledValueBig(q, 0);
}

/** Value in milli-units, rounded up (MilliValue()). */
export function milliValueBig(q: Quantity | string | number): bigint {
  return scaledValueBig(q, -3);
}

/** Value() as a number (exact up to 2^53). */
export function value(q: Quantity | string | number): number {
  return Number(valueBig(q));
}

/** MilliValue() as a number (exact up to 2^53). */
export function milliValue(q: Quantity | string | number): number {
  return Number(milliValueBig(q));
}

/** An approximate float of the value (AsApproximateFloat64). */
export function approximateFloat(q: Quantity | string | number): number {
  const n = parseQuantity(q).nanos;
  return Number(n / NANO) + Number(n % NANO) / 1e9;
}

/** -1, 0, 1 (Cmp). */
export function compare(a: Quantity | string | number, b: Quantity | string | number): -1 | 0 | 1 {
  const x = parseQuantity(a).nanos;
  const y = parseQuantity(b).nanos;
  return x < y ? -1 : x > y ? 1 : 0;
}

export function quantityEquals(a: Quantity | string | number, b: Quantity | string | number): boolean {
  return compare(a, b) === 0;
}

/** a + b (Add): the format is a's, or b's when a is zero. */
export function addQuantities(a: Quantity | string | number, b: Quantity | string | number): Quantity {
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  return { nanos: x.nanos + y.nanos, format: x.nanos === 0n ? y.format : x.format };
}

/** a - b (Sub): the format is a's, or b's when a is zero. */
export function subtractQuantities(a: Quantity | string | number, b: Quantity | string | number): Quantity {
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  return { nanos: x.nanos - y.nanos, format: x.nanos === 0n ? y.format : x.format };
}

/** Sum of many (zero: `0`, DecimalSI). */
export function sumQuantities(qs: Iterable<Quantity | string | number>): Quantity {
  let acc: Quantity = { nanos: 0n, format: 'DecimalSI' };
  for (const q of qs) acc = addQuantities(acc, q);
  return acc;
}

/** resource.NewMilliQuantity. */
export function milliQuantity(milli: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
  return { nanos: BigInt(milli) * 1_000_000n, format };
}

/** resource.NewQuantity. */
export function unitQuantity(units: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
  return { nanos: BigInt(units) * NANO, format };
}

const DEC_SUFFIX_BY_EXP: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
const BIN_SUFFIX_BY_EXP = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** The canonical string (String() / MarshalJSON). */
export function formatQuantity(input: Quantity | string | number): string {
  const q = parseQuantity(input);
  if (q.cached !== undefined) return q.cached;
  const n = q.nanos;
  if (n === 0n) return '0';
  let format: QuantityFormat = q.format;
  if (format === 'BinarySI') {
    if (n > -1024n * NANO && n < 1024n * NANO) format = 'DecimalSI';
    else if (n % NANO !== 0n) format = 'DecimalSI';
  }
  if (format === 'BinarySI') {
    let amount = n / NANO;
    let exp = 0;
    while (amount % 1024n === 0n && exp < BIN_SUFFIX_BY_EXP.length - 1) {
      amount /= 1024n;
      exp++;
    }
    return amount.toString() + BIN_SUFFIX_BY_EXP[exp];
  }
  let m = n;
  let e = -9;
  while (m % 10n === 0n) {
    m /= 10n;
    e++;
  }
  while (e % 3 !== 0) {
    m *= 10n;
    e--;
  }
  if (format === 'DecimalExponent') return m.toString() + (e === 0 ? '' : `e${e}`);
  if (e > 18) {
    m *= pow10(e - 18);
    e = 18;
  }
  return m.toString() + DEC_SUFFIX_BY_EXP[e];
}

/** The canonical form of a quantity string, e.g. for defaulting/normalizing stored objects. */
export function canonicalQuantity(input: string | number): string {
  return formatQuantity(parseQuantity(input));
}
