// The VR table (PS3.5 §6.2, Table 6.2-1; PS3.18 Table F.2.3-1): how each value representation is encoded and becomes DICOM JSON.

export type VrKind =
  | 'text'       // character strings, one or more values
  | 'person-name'
  | 'decimal'    // DS, IS: numbers written as text
  | 'binary-number'
  | 'attribute-tag'
  | 'bulk'       // OB, OD, OF, OL, OV, OW, UN: InlineBinary
  | 'sequence';

export interface VrSpec {
  readonly kind: VrKind;
  /** Explicit VR: 2 reserved bytes then a 32-bit length (PS3.5 §7.1.2). */
  readonly hasLongLength: boolean;
  /** Bytes per binary number, or the word size to swap for big-endian bulk data. */
  readonly wordBytes: number;
  /** Backslash separates values (not for ST, LT, UT, UR). */
  readonly isMultiValued: boolean;
  /** Decoded with the Specific Character Set (PS3.5 §6.1.2.3); all others are the default repertoire. */
  readonly usesCharacterSet: boolean;
  /** Leading spaces are insignificant too, not only trailing ones. */
  readonly isTrimmedBothSides: boolean;
}

const text = (isMultiValued: boolean, usesCharacterSet: boolean, isTrimmedBothSides: boolean, hasLongLength = false): VrSpec =>
  ({ kind: 'text', hasLongLength, wordBytes: 1, isMultiValued, usesCharacterSet, isTrimmedBothSides });
const numbers = (wordBytes: number, hasLongLength = false): VrSpec =>
  ({ kind: 'binary-number', hasLongLength, wordBytes, isMultiValued: true, usesCharacterSet: false, isTrimmedBothSides: false });
const bulk = (wordBytes: number): VrSpec =>
  ({ kind: 'bulk', hasLongLength: true, wordBytes, isMultiValued: false, usesCharacterSet: false, isTrimmedBothSides: false });

export const VR_TABLE: Readonly<Record<string, VrSpec>> = {
  AE: text(true, false, true),
  AS: text(true, false, true),
  AT: { kind: 'attribute-tag', hasLongLength: false, wordBytes: 2, isMultiValued: true, usesCharacterSet: false, isTrimmedBothSides: false },
  CS: text(true, false, true),
  DA: text(true, false, false),
  DS: { kind: 'decimal', hasLongLength: false, wordBytes: 1, isMultiValued: true, usesCharacterSet: false, isTrimmedBothSides: true },
  DT: text(true, false, false),
  FD: numbers(8),
  FL: numbers(4),
  IS: { kind: 'decimal', hasLongLength: false, wordBytes: 1, isMultiValued: true, usesCharacterSet: false, isTrimmedBothSides: true },
  LO: text(true, true, true),
  LT: text(false, true, false),
  OB: bulk(1),
  OD: bulk(8),
  OF: bulk(4),
  OL: bulk(4),
  OV: bulk(8),
  OW: bulk(2),
  PN: { kind: 'person-name', hasLongLength: false, wordBytes: 1, isMultiValued: true, usesCharacterSet: true, isTrimmedBothSides: false },
  SH: text(true, true, true),
  SL: numbers(4),
  SQ: { kind: 'sequence', hasLongLength: true, wordBytes: 1, isMultiValued: false, usesCharacterSet: false, isTrimmedBothSides: false },
  SS: numbers(2),
  ST: text(false, true, false),
  SV: numbers(8, true),
  TM: text(true, false, false),
  UC: text(true, true, false, true),
  UI: text(true, false, true),
  UL: numbers(4),
  UN: bulk(1),
  UR: text(false, false, true, true),
  US: numbers(2),
  UT: text(false, true, false, true),
  UV: numbers(8, true),
};

const SPECS: ReadonlyMap<string, VrSpec> = new Map(Object.entries(VR_TABLE));

export function vrSpecOf(vr: string): VrSpec | undefined {
  return SPECS.get(vr);
}
