import { describe, expect, test } from 'bun:test';
import { type BlobError, validateBlob } from '../../../plugins/jump-table/blob.ts';
import { loadShippedBlob } from '../../../plugins/jump-table/shipped-blob.ts';

const shipped = loadShippedBlob().bytes;

/** A copy of the shipped blob, resized and edited. */
function variant(size: number, edit: (b: Uint8Array, v: DataView) => void = () => {}): Uint8Array {
  const b = new Uint8Array(size);
  b.set(shipped.subarray(0, Math.min(size, shipped.length)));
  edit(b, new DataView(b.buffer));
  return b;
}

/** Moves the GDT (and its pseudo-descriptor) to `offset`, keeping the code. */
function gdtAt(offset: number, size = Math.max(shipped.length, offset + 32)): Uint8Array {
  return variant(size, (b, v) => {
    b.fill(0, 0xa0);
    v.setUint16(4, offset, true);
    if (offset + 6 <= size) {
      v.setUint16(offset, 0x1f, true);
      v.setUint32(offset + 2, offset, true);
    }
  });
}

const cases: [string, Uint8Array, BlobError, string][] = [
  ['an empty blob', new Uint8Array(0), 'empty', 'The blob is empty.'],
  [
    'a blob bigger than the page',
    variant(4097),
    'too-big',
    'The blob is 4097 bytes; the AP jump table page holds 4096.',
  ],
  [
    'a blob shorter than its header',
    variant(5),
    'no-header',
    'The blob is 5 bytes, shorter than its 6-byte header.',
  ],
  [
    'a GDT offset that puts the GDT outside the page',
    variant(0xc0, (_, v) => v.setUint16(4, 0xff0, true)),
    'gdt-outside-page',
    "The header's GDT offset 0xff0 puts the 32-byte GDT outside the page.",
  ],
  [
    'a header offset far outside the page',
    variant(0xc0, (_, v) => v.setUint16(4, 0xffff, true)),
    'gdt-outside-page',
    "The header's GDT offset 0xffff puts the 32-byte GDT outside the page.",
  ],
  [
    'a blob that ends at its entry point',
    variant(0x10),
    'no-code',
    'The blob ends at 0x10, before its entry point 0x10.',
  ],
  [
    'a GDT offset inside the header',
    variant(0xc0, (_, v) => v.setUint16(4, 0x8, true)),
    'gdt-before-code',
    'The GDT offset 0x8 is not after the code, which starts at 0x10.',
  ],
  [
    'all-zero code',
    variant(0xc0, (b) => b.fill(0, 0x10, 0xa0)),
    'no-code',
    'The code between 0x10 and the GDT is all zero bytes.',
  ],
  [
    'a GDT at an 8-byte boundary',
    gdtAt(0xa8),
    'gdt-misaligned',
    'The GDT offset 0xa8 is not 16-byte aligned.',
  ],
  [
    'a GDT that runs past the end of the blob',
    variant(0xb0),
    'gdt-past-blob',
    'The GDT at 0xa0 runs past the end of the blob (176 bytes): the blob must carry its GDT pseudo-descriptor.',
  ],
  [
    'a pseudo-descriptor with the wrong limit',
    variant(0xc0, (_, v) => v.setUint16(0xa0, 0x27, true)),
    'gdt-descriptor',
    'GDT slot 0 holds limit 0x27, base 0xa0; the pseudo-descriptor must be limit 0x1f, base 0xa0 (the GDT offset).',
  ],
  [
    'a pseudo-descriptor with an absolute base',
    variant(0xc0, (_, v) => v.setUint32(0xa2, 0x7f5ff0a0, true)),
    'gdt-descriptor',
    'GDT slot 0 holds limit 0x1f, base 0x7f5ff0a0; the pseudo-descriptor must be limit 0x1f, base 0xa0 (the GDT offset).',
  ],
  [
    'a blob that leaves no room for the stack',
    gdtAt(0xfc0, 0xfe0),
    'no-stack-room',
    'The blob is 4064 bytes; the stack below the page end needs the last 64 bytes, so at most 4032 bytes fit.',
  ],
];

describe('validateBlob', () => {
  test.each(cases)('refuses %s', (_, bytes, error, message) => {
    expect(validateBlob(bytes)).toEqual({ kind: 'error', error, message });
  });

  test('accepts the shipped blob with its GDT offset', () => {
    const r = validateBlob(shipped);
    expect(r.kind).toBe('ok');
    if (r.kind === 'ok') expect([r.blob.gdtOffset, r.blob.bytes.length]).toEqual([0xa0, 0xc0]);
  });

  test('accepts a blob that ends exactly where the stack reserve begins', () => {
    const r = validateBlob(gdtAt(0xfa0, 0xfc0));
    expect(r.kind === 'ok' && r.blob.gdtOffset).toBe(0xfa0);
  });
});
