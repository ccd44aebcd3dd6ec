/**
 * Go's strconv as upstream's code meets it through apimachinery: the number, or strconv's own error text,
 * which reaches users inside API errors (an IntOrString percentage, a JSON patch array index).
 */

/**
 * strconv.Atoi: an optional sign and decimal digits. The number, or strconv's error text
 * (`strconv.Atoi: parsing "x": invalid syntax`); out of range beyond JavaScript's safe integers.
 */
export function atoi(s: string): number | string {
  if (/^[+-]?[0-9]+$/.test(s)) {
    const n = Number(s);
    if (Number.isSafeInteger(n)) return n;
    return `strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`;
  }
  return `strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`;
}
