import { describe, expect, it } from 'vitest';
import { atoi } from '../../../api/strconv.js';

describe("atoi (Go's strconv.Atoi)", () => {
  it.each([
    ['0', 0],
    ['42', 42],
    ['+7', 7],
    ['-7', -7],
    ['007', 7],
    ['9007199254740991', 9007199254740991],
    ['9007199254740992', 'strconv.Atoi: parsing "9007199254740992": value out of range'],
    ['-99999999999999999999', 'strconv.Atoi: parsing "-99999999999999999999": value out of range'],
    ['', 'strconv.Atoi: parsing "": invalid syntax'],
    ['x', 'strconv.Atoi: parsing "x": invalid syntax'],
    ['1.5', 'strconv.Atoi: parsing "1.5": invalid syntax'],
    ['1e3', 'strconv.Atoi: parsing "1e3": invalid syntax'],
    [' 1', 'strconv.Atoi: parsing " 1": invalid syntax'],
    ['0x10', 'strconv.Atoi: parsing "0x10": invalid syntax'],
    ['+', 'strconv.Atoi: parsing "+": invalid syntax'],
    ['1_000', 'strconv.Atoi: parsing "1_000": invalid syntax'],
  ])('%j -> %j', (s, want) => {
    expect(atoi(s)).toBe(want);
  });
});
