import { describe, expect, test } from 'bun:test';
import { type AccessLog, COM1, PortBus, Uart16550 } from '../../core/devices/index.ts';

function com1(opts: ConstructorParameters<typeof Uart16550>[0] = {}) {
  const uart = new Uart16550(opts);
  const bus = new PortBus();
  bus.add(COM1, 8, uart);
  return { uart, bus };
}

describe('16550 UART', () => {
  test('registers after reset', () => {
    const { bus } = com1();
    // RBR IER IIR LCR MCR LSR MSR SCR
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((r) => bus.in(COM1 + r, 1))).toEqual([
      0x00, 0x00, 0x01, 0x00, 0x08, 0x60, 0xb0, 0x00,
    ]);
  });

  test("the kernel's early_serial_init sequence, then bytes reach onOutput and output()", () => {
    const seen: string[] = [];
    const { uart, bus } = com1({ onOutput: (t) => seen.push(t) });
    // arch/x86/boot/early_serial_console.c early_serial_init(port, 115200)
    bus.out(COM1 + 3, 1, 0x03); // LCR: 8n1
    bus.out(COM1 + 1, 1, 0x00); // IER: no interrupts
    bus.out(COM1 + 2, 1, 0x00); // FCR: no FIFO
    bus.out(COM1 + 4, 1, 0x03); // MCR: DTR | RTS
    bus.out(COM1 + 3, 1, 0x83); // LCR |= DLAB
    bus.out(COM1 + 0, 1, 0x01); // DLL: 115200 / 115200
    bus.out(COM1 + 1, 1, 0x00); // DLM
    expect([bus.in(COM1, 1), bus.in(COM1 + 1, 1)]).toEqual([0x01, 0x00]);
    bus.out(COM1 + 3, 1, 0x03); // LCR &= ~DLAB
    for (const c of 'ok\n') {
      expect(bus.in(COM1 + 5, 1) & 0x20).toBe(0x20); // serial_putchar polls LSR.THRE
      bus.out(COM1, 1, c.charCodeAt(0));
    }
    expect(uart.output()).toBe('ok\n');
    expect(seen).toEqual(['o', 'k', '\n']);
  });

  test('with DLAB set, offsets 0 and 1 are the divisor latch and nothing is sent', () => {
    const { uart, bus } = com1();
    bus.out(COM1 + 1, 1, 0x05); // IER
    bus.out(COM1 + 3, 1, 0x80);
    expect([bus.in(COM1, 1), bus.in(COM1 + 1, 1)]).toEqual([0x0c, 0x00]); // 9600 baud after reset
    bus.out(COM1, 1, 0x41);
    bus.out(COM1 + 1, 1, 0x02);
    expect([bus.in(COM1, 1), bus.in(COM1 + 1, 1)]).toEqual([0x41, 0x02]);
    bus.out(COM1 + 3, 1, 0x03);
    expect(bus.in(COM1 + 1, 1)).toBe(0x05);
    expect(uart.output()).toBe('');
  });

  test('IER keeps its low 4 bits and MCR its low 5; SCR keeps all 8', () => {
    const { bus } = com1();
    bus.out(COM1 + 1, 1, 0xf0);
    bus.out(COM1 + 4, 1, 0xff);
    bus.out(COM1 + 7, 1, 0xa5);
    expect([bus.in(COM1 + 1, 1), bus.in(COM1 + 4, 1), bus.in(COM1 + 7, 1)]).toEqual([0x00, 0x1f, 0xa5]);
  });

  test('enabling THRI raises it at once; reading IIR acknowledges it; the next byte raises it again', () => {
    const { uart, bus } = com1();
    bus.out(COM1 + 1, 1, 0x02);
    expect(uart.irqPending()).toBe(true);
    expect(bus.in(COM1 + 2, 1)).toBe(0x02);
    expect(bus.in(COM1 + 2, 1)).toBe(0x01);
    expect(uart.irqPending()).toBe(false);
    bus.out(COM1, 1, 0x41);
    expect(bus.in(COM1 + 2, 1)).toBe(0x02);
  });

  test('FCR with the FIFO enabled sets IIR bits 7:6', () => {
    const { bus } = com1();
    bus.out(COM1 + 2, 1, 0xc7);
    expect(bus.in(COM1 + 2, 1)).toBe(0xc1);
    bus.out(COM1 + 2, 1, 0x00);
    expect(bus.in(COM1 + 2, 1)).toBe(0x01);
  });

  test('without a FIFO a second received byte overruns the first', () => {
    const { uart, bus } = com1();
    uart.receive('ab');
    expect(bus.in(COM1 + 5, 1)).toBe(0x63); // DR | OE | THRE | TEMT
    expect(bus.in(COM1 + 5, 1)).toBe(0x61); // OE clears on read
    expect(bus.in(COM1, 1)).toBe(0x62);
    expect(bus.in(COM1 + 5, 1)).toBe(0x60);
  });

  test('with the FIFO, received bytes come out in order and DR clears on the last', () => {
    const { uart, bus } = com1();
    bus.out(COM1 + 2, 1, 0x01);
    uart.receive('hey');
    const got = [0, 1, 2].map(() => [bus.in(COM1 + 5, 1), bus.in(COM1, 1)]);
    expect(got).toEqual([
      [0x61, 0x68],
      [0x61, 0x65],
      [0x61, 0x79],
    ]);
    expect(bus.in(COM1 + 5, 1)).toBe(0x60);
  });

  test('received data interrupts at the trigger level, character timeout below it', () => {
    const { uart, bus } = com1();
    bus.out(COM1 + 2, 1, 0x41); // FIFO, trigger level 4
    bus.out(COM1 + 1, 1, 0x01); // RDI
    uart.receive('abc');
    expect(bus.in(COM1 + 2, 1)).toBe(0xcc);
    uart.receive('d');
    expect(bus.in(COM1 + 2, 1)).toBe(0xc4);
  });

  test("loopback passes serial8250 autoconfig's check and echoes transmitted bytes", () => {
    const { uart, bus } = com1();
    // drivers/tty/serial/8250/8250_port.c autoconfig: MCR = LOOP | 0x0A, expect MSR & 0xF0 == 0x90
    bus.out(COM1 + 4, 1, 0x1a);
    expect(bus.in(COM1 + 6, 1) & 0xf0).toBe(0x90);
    bus.out(COM1 + 4, 1, 0x1f);
    expect(bus.in(COM1 + 6, 1)).toBe(0xf0);
    bus.out(COM1, 1, 0x7a);
    expect(bus.in(COM1 + 5, 1)).toBe(0x61);
    expect(bus.in(COM1, 1)).toBe(0x7a);
    expect(uart.output()).toBe('');
  });

  test('a wide access reaches consecutive registers a byte at a time', () => {
    const { bus } = com1();
    expect(bus.in(COM1 + 4, 2)).toBe(0x6008); // MCR, LSR
    bus.out(COM1 + 7, 2, 0x1234); // SCR; the second byte is past the UART
    expect(bus.in(COM1 + 7, 1)).toBe(0x34);
    expect(bus.in(COM1 + 6, 4)).toBe(0xffff34b0);
  });

  test('the access log records each access as the bus made it', () => {
    const log: AccessLog<number> = [];
    const { bus } = com1({ log });
    bus.out(COM1 + 3, 1, 0x03);
    bus.in(COM1 + 5, 1);
    bus.out(COM1, 2, 0x4241);
    expect(log).toEqual([
      { op: 'write', offset: 3, size: 1, value: 0x03 },
      { op: 'read', offset: 5, size: 1, value: 0x60 },
      { op: 'write', offset: 0, size: 2, value: 0x4241 },
    ]);
  });
});

describe('16550 UART snapshot and restore', () => {
  /** Every register as the guest sees it, then the receive FIFO drained: reads that change state. */
  function observe(bus: PortBus): number[] {
    const regs = [2, 3, 4, 5, 6, 7, 1].map((r) => bus.in(COM1 + r, 1)); // IIR LCR MCR LSR MSR SCR IER
    const lcr = bus.in(COM1 + 3, 1);
    bus.out(COM1 + 3, 1, lcr | 0x80);
    const divisor = [bus.in(COM1, 1), bus.in(COM1 + 1, 1)]; // DLL DLM
    bus.out(COM1 + 3, 1, lcr);
    const fifo = [bus.in(COM1, 1), bus.in(COM1, 1), bus.in(COM1, 1)];
    return [...regs, ...divisor, ...fifo, bus.in(COM1 + 5, 1)];
  }

  const send = (bus: PortBus, text: string) => {
    for (const c of text) bus.out(COM1, 1, c.charCodeAt(0));
  };

  test('a restore brings back the registers, the receive FIFO, the output and the unfinished line, twice', () => {
    const lines: string[] = [];
    const { uart, bus } = com1({ onLine: (l) => lines.push(l) });
    bus.out(COM1 + 3, 1, 0x83); // LCR: DLAB
    bus.out(COM1 + 0, 1, 0x02); // DLL
    bus.out(COM1 + 1, 1, 0x01); // DLM
    bus.out(COM1 + 3, 1, 0x1b); // LCR: 8 bits, even parity
    bus.out(COM1 + 2, 1, 0x41); // FCR: FIFO on, trigger level 4
    bus.out(COM1 + 1, 1, 0x05); // IER: RDI | RLSI
    bus.out(COM1 + 4, 1, 0x0b); // MCR: DTR | RTS | OUT2
    bus.out(COM1 + 7, 1, 0x5a); // SCR
    uart.receive('xyz');
    send(bus, 'ok\r\nhal');
    const snap = uart.snapshot();
    // IIR: character timeout (3 bytes under trigger 4) with FIFO bits; LSR: DR | THRE | TEMT.
    const expected = [0xcc, 0x1b, 0x0b, 0x61, 0xb0, 0x5a, 0x05, 0x02, 0x01, 0x78, 0x79, 0x7a, 0x60];
    expect(observe(bus)).toEqual(expected);

    uart.receive('q');
    send(bus, 'f\n');
    bus.out(COM1 + 2, 1, 0x00); // FCR: FIFO off
    for (const r of [3, 1, 4, 7]) bus.out(COM1 + r, 1, 0x00); // LCR IER MCR SCR
    bus.out(COM1 + 4, 1, 0x10); // MCR: loopback
    bus.out(COM1, 1, 0x21);
    uart.restore(snap);
    expect(observe(bus)).toEqual(expected);
    expect(uart.output()).toBe('ok\r\nhal');
    send(bus, 't\n');
    expect(lines).toEqual(['ok', 'half', 'halt']);

    uart.restore(snap);
    expect(observe(bus)).toEqual(expected);
    expect(uart.output()).toBe('ok\r\nhal');
  });

  test('onLine gets each line without its LF and with CRs dropped', () => {
    const lines: string[] = [];
    const { bus } = com1({ onLine: (l) => lines.push(l) });
    for (const c of 'a\r\n\nb\rc\nd') bus.out(COM1, 1, c.charCodeAt(0));
    expect(lines).toEqual(['a', '', 'bc']);
  });
});
