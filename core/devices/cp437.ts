/**
 * Code page 437, the VGA text-mode font: byte -> the Unicode character its glyph shows (the mapping
 * Unicode's CP437 table and iconv use, with the 0x01-0x1f and 0x7f glyphs the ROM font draws instead of
 * control codes). Byte 0 is drawn blank, so it maps to a space.
 */
const ROWS = [
  ' ☺☻♥♦♣♠•◘○◙♂♀♪♫☼', // 0x00
  '►◄↕‼¶§▬↨↑↓→←∟↔▲▼', // 0x10
  ' !"#$%&\'()*+,-./', // 0x20
  '0123456789:;<=>?', // 0x30
  '@ABCDEFGHIJKLMNO', // 0x40
  'PQRSTUVWXYZ[\\]^_', // 0x50
  '`abcdefghijklmno', // 0x60
  'pqrstuvwxyz{|}~⌂', // 0x70
  'ÇüéâäàåçêëèïîìÄÅ', // 0x80
  'ÉæÆôöòûùÿÖÜ¢£¥₧ƒ', // 0x90
  'áíóúñÑªº¿⌐¬½¼¡«»', // 0xa0
  '░▒▓│┤╡╢╖╕╣║╗╝╜╛┐', // 0xb0
  '└┴┬├─┼╞╟╚╔╩╦╠═╬╧', // 0xc0
  '╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀', // 0xd0
  'αßΓπΣσµτΦΘΩδ∞φε∩', // 0xe0
  '≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0', // 0xf0
] as const;

export const CP437: readonly string[] = Array.from(ROWS.join(''));
