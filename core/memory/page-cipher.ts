/**
 * The memory encryption engine as the hypervisor experiences it.
 *
 * This models the property, not AMD's cipher. SEV encrypts each 16-byte block with the VM's key and a
 * tweak derived from the block's physical address (AMD SEV whitepaper, "memory encryption"), so
 * (1) the same plaintext at two addresses gives two different ciphertexts, and (2) bytes the host
 * writes into a private page decrypt to garbage for the guest. Here that is AES-128 in XEX form:
 *   C = E(K1, P xor T) xor T,   T = E(K2, block address)
 * with K1 the VM key and K2 derived from it. Nothing here matches real hardware ciphertext.
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';

export const CIPHER_BLOCK = 16;

type Ecb = { update(data: Uint8Array): Uint8Array };

function ecb(key: Uint8Array, decrypt: boolean): Ecb {
  const c = decrypt ? createDecipheriv('aes-128-ecb', key, null) : createCipheriv('aes-128-ecb', key, null);
  // Whole blocks only: with padding off, ECB keeps no state between update() calls.
  c.setAutoPadding(false);
  return c;
}

/** A 16-byte VM key derived from a seed, so the same seed gives the same ciphertext run after run. */
export function keyFromSeed(seed: number): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`sevlab vm key ${seed}`).digest().subarray(0, 16));
}

export class PageCipher {
  private readonly k1Encrypt: Ecb;
  private readonly k1Decrypt: Ecb;
  private readonly k2Encrypt: Ecb;

  constructor(key: Uint8Array) {
    const k2 = createHash('sha256').update('sevlab xex tweak key').update(key).digest().subarray(0, 16);
    this.k1Encrypt = ecb(key, false);
    this.k1Decrypt = ecb(key, true);
    this.k2Encrypt = ecb(k2, false);
  }

  /** Ciphertext of `plain` stored at `gpa`; gpa and length are multiples of 16. */
  encrypt(gpa: number, plain: Uint8Array): Uint8Array {
    const t = this.tweaks(gpa, plain.length);
    return xorInto(this.k1Encrypt.update(xorInto(new Uint8Array(plain), t)), t);
  }

  /** Plaintext that `cipher` stored at `gpa` decrypts to; gpa and length are multiples of 16. */
  decrypt(gpa: number, cipher: Uint8Array): Uint8Array {
    const t = this.tweaks(gpa, cipher.length);
    return xorInto(this.k1Decrypt.update(xorInto(new Uint8Array(cipher), t)), t);
  }

  /** T for each block: E(K2, address) with the block address little endian in the first 8 bytes. */
  private tweaks(gpa: number, length: number): Uint8Array {
    const blocks = new Uint8Array(length);
    const view = new DataView(blocks.buffer);
    for (let off = 0; off < length; off += CIPHER_BLOCK) {
      const addr = gpa + off;
      view.setUint32(off, addr % 0x1_0000_0000, true);
      view.setUint32(off + 4, Math.floor(addr / 0x1_0000_0000), true);
    }
    return this.k2Encrypt.update(blocks);
  }
}

function xorInto(dst: Uint8Array, src: Uint8Array): Uint8Array {
  for (let i = 0; i < dst.length; i++) dst[i]! ^= src[i]!;
  return dst;
}
