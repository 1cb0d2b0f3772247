import { describe, expect, test } from 'bun:test';
import { createCipheriv, createHash } from 'node:crypto';
import { GuestMemory, MemoryError } from '../../core/memory/index.ts';

const KEY = Uint8Array.from({ length: 16 }, (_, i) => i);
const text = (s: string) => new TextEncoder().encode(s);

/** XEX computed independently with node:crypto: C = E(K1, P ^ T) ^ T, T = E(K2, address). */
function xexBlock(key: Uint8Array, gpa: number, plain: Uint8Array): Uint8Array {
  const aes = (k: Uint8Array, b: Uint8Array) => {
    const c = createCipheriv('aes-128-ecb', k, null);
    c.setAutoPadding(false);
    return new Uint8Array(c.update(b));
  };
  const k2 = createHash('sha256').update('sevlab xex tweak key').update(key).digest().subarray(0, 16);
  const addr = new Uint8Array(16);
  new DataView(addr.buffer).setBigUint64(0, BigInt(gpa), true);
  const t = aes(k2, addr);
  const c = aes(
    key,
    plain.map((b, i) => b ^ t[i]!),
  );
  return c.map((b, i) => b ^ t[i]!);
}

describe('hypervisor view', () => {
  test('a shared page reads as plaintext', () => {
    const mem = new GuestMemory({ size: 0x10000, key: KEY });
    mem.write(0x2000, text('shared GHCB data'));
    expect(mem.hvRead(0x2000, 16)).toEqual(text('shared GHCB data'));
  });

  test('a private page reads as the XEX ciphertext of its plaintext at its address', () => {
    const mem = new GuestMemory({ size: 0x10000, key: KEY, defaultEncrypted: true });
    const plain = text('private secrets!');
    mem.write(0x3010, plain);
    const cipher = mem.hvRead(0x3010, 16);
    expect(cipher).toEqual(xexBlock(KEY, 0x3010, plain));
    expect(cipher).not.toEqual(plain);
    expect(mem.read(0x3010, 16)).toEqual(plain);
  });

  test('an unaligned host read of a private page returns the matching ciphertext bytes', () => {
    const mem = new GuestMemory({ size: 0x10000, key: KEY, defaultEncrypted: true });
    mem.write(0x3000, text('0123456789abcdefghijklmnopqrstuv'));
    const whole = mem.hvRead(0x3000, 32);
    expect(mem.hvRead(0x3005, 20)).toEqual(whole.subarray(5, 25));
  });

  test('the same plaintext at two addresses gives two different ciphertexts', () => {
    const mem = new GuestMemory({ size: 0x10000, key: KEY, defaultEncrypted: true });
    mem.write(0x1000, text('same data here!!'));
    mem.write(0x1010, text('same data here!!'));
    const a = mem.hvRead(0x1000, 16);
    const b = mem.hvRead(0x1010, 16);
    expect(a).not.toEqual(b);
    expect(b).toEqual(xexBlock(KEY, 0x1010, text('same data here!!')));
  });

  test('an untouched private page reads as the ciphertext of zeros and stays untouched', () => {
    const mem = new GuestMemory({ size: 0x10000, key: KEY, defaultEncrypted: true });
    expect(mem.hvRead(0x8000, 16)).toEqual(xexBlock(KEY, 0x8000, new Uint8Array(16)));
    expect(mem.touchedPages()).toBe(0);
  });

  test('the same seed gives the same ciphertext; another seed another', () => {
    const read = (seed: number) => {
      const mem = new GuestMemory({ size: 0x10000, seed, defaultEncrypted: true });
      mem.write(0, text('reproducible run'));
      return mem.hvRead(0, 16);
    };
    expect(read(7)).toEqual(read(7));
    expect(read(7)).not.toEqual(read(8));
  });

  test('a host write into a shared page is what the guest reads', () => {
    const mem = new GuestMemory({ size: 0x10000, defaultEncrypted: true });
    mem.setEncrypted(0x4000, 0x1000, false);
    mem.hvWrite(0x4800, text('from the host'));
    expect(mem.read(0x4800, 13)).toEqual(text('from the host'));
  });

  test('a host write into a private page corrupts the whole 16-byte block for the guest', () => {
    const mem = new GuestMemory({ size: 0x10000, key: KEY, defaultEncrypted: true });
    const plain = text('kernel text page: do not touch..');
    mem.write(0x5000, plain);
    mem.hvWrite(0x5004, text('EVIL'));
    const seen = mem.read(0x5000, 32);
    // The host's bytes are taken as ciphertext: the block they land in decrypts to something else
    // entirely; the next block is untouched.
    expect(seen.subarray(0, 16)).not.toEqual(plain.subarray(0, 16));
    expect(seen.subarray(4, 8)).not.toEqual(text('EVIL'));
    expect(seen.subarray(16, 32)).toEqual(plain.subarray(16, 32));
    // The host reads back exactly what it wrote, as on hardware.
    expect(mem.hvRead(0x5004, 4)).toEqual(text('EVIL'));
  });

  test('a host write of ciphertext taken from the same address restores the plaintext (replay)', () => {
    const mem = new GuestMemory({ size: 0x10000, key: KEY, defaultEncrypted: true });
    mem.write(0x6000, text('old value block!'));
    const old = mem.hvRead(0x6000, 16);
    mem.write(0x6000, text('new value block!'));
    mem.hvWrite(0x6000, old);
    expect(mem.read(0x6000, 16)).toEqual(text('old value block!'));
  });

  test('the host view covers RAM only', () => {
    const mem = new GuestMemory({ size: 0x100000 });
    mem.addMmio(0xb8000, 0x8000, { name: 'vga', read: () => 0n, write: () => {} });
    expect(() => mem.hvRead(0xb7ff0, 0x20)).toThrow(
      "hvRead(0xb7ff0, 0x20) reaches the MMIO range of 'vga' at 0xb8000: the host view covers RAM only",
    );
    expect(() => mem.hvWrite(0x100000, new Uint8Array(1))).toThrow(MemoryError);
  });
});
