/**
 * A 16550A UART, as QEMU's hw/char/serial.c models it (serial_ioport_read/serial_ioport_write), with
 * register names from Linux include/uapi/linux/serial_reg.h. Transmission is instant: THR is always
 * empty again by the time the guest polls LSR. The model has no clock, so a FIFO holding fewer bytes
 * than its trigger level reports the character-timeout interrupt at once instead of after 4 characters.
 */
import type { AccessLog } from './access-log.ts';
import type { PortDevice, PortSize } from './port-bus.ts';

export const COM1 = 0x3f8;
export const UART_PORTS = 8;

/** Register offsets from the base port; 0 and 1 mean DLL/DLM while LCR.DLAB is set. */
export const UART_REG = {
  RX: 0,
  TX: 0,
  DLL: 0,
  IER: 1,
  DLM: 1,
  IIR: 2,
  FCR: 2,
  LCR: 3,
  MCR: 4,
  LSR: 5,
  MSR: 6,
  SCR: 7,
} as const;

export const UART_IER = { RDI: 0x01, THRI: 0x02, RLSI: 0x04, MSI: 0x08 } as const;
export const UART_IIR = {
  NO_INT: 0x01,
  MSI: 0x00,
  THRI: 0x02,
  RDI: 0x04,
  RLSI: 0x06,
  CTI: 0x0c,
  FIFO: 0xc0,
} as const;
export const UART_FCR = {
  ENABLE_FIFO: 0x01,
  CLEAR_RCVR: 0x02,
  CLEAR_XMIT: 0x04,
  TRIGGER_MASK: 0xc0,
} as const;
export const UART_LCR_DLAB = 0x80;
export const UART_MCR = { DTR: 0x01, RTS: 0x02, OUT1: 0x04, OUT2: 0x08, LOOP: 0x10 } as const;
export const UART_LSR = { DR: 0x01, OE: 0x02, PE: 0x04, FE: 0x08, BI: 0x10, THRE: 0x20, TEMT: 0x40 } as const;
export const UART_MSR = { CTS: 0x10, DSR: 0x20, RI: 0x40, DCD: 0x80 } as const;

/** FCR bits 7:6 -> receive FIFO trigger level in bytes (16550A data sheet). */
const TRIGGER_LEVEL = { 0: 1, 64: 4, 128: 8, 192: 14 } as const;
const FIFO_LENGTH = 16;
/** LSR bits that raise the receiver line status interrupt (QEMU UART_LSR_INT_ANY). */
const LSR_INT_ANY = 0x1e;

/** What a snapshot keeps: every register, the receive FIFO and the output so far (QEMU vmstate_serial). */
interface Uart16550State {
  readonly sent: string;
  readonly line: string;
  readonly divisor: number;
  readonly ier: number;
  readonly fcr: number;
  readonly lcr: number;
  readonly mcr: number;
  readonly lsr: number;
  readonly scr: number;
  readonly rbr: number;
  readonly rx: readonly number[];
  readonly thrPending: boolean;
}

export interface Uart16550Options {
  base?: number;
  name?: string;
  /** Called with each transmitted byte as a one-character (Latin-1) string. */
  onOutput?: (text: string) => void;
  /** Called with each transmitted line without its LF, CR dropped: what a serial console shows. */
  onLine?: (line: string) => void;
  log?: AccessLog<number>;
}

export class Uart16550 implements PortDevice {
  readonly name: string;
  readonly base: number;
  readonly count = UART_PORTS;
  private readonly onOutput: ((text: string) => void) | undefined;
  private readonly onLine: ((line: string) => void) | undefined;
  private readonly log: AccessLog<number> | undefined;
  private sent = '';
  /** The line sent so far that no LF has ended yet: device state, so a restore does not glue halves. */
  private line = '';

  // Reset state: QEMU serial_reset (9600 8N1, OUT2 set, transmitter empty).
  private divisor = 0x0c;
  private ier = 0;
  private fcr = 0;
  private lcr = 0;
  private mcr: number = UART_MCR.OUT2;
  private lsr: number = UART_LSR.TEMT | UART_LSR.THRE;
  private readonly msr: number = UART_MSR.DCD | UART_MSR.DSR | UART_MSR.CTS;
  private scr = 0;
  private rbr = 0;
  private rx: number[] = [];
  private thrPending = false;

  constructor(opts: Uart16550Options = {}) {
    this.base = opts.base ?? COM1;
    this.name = opts.name ?? 'uart16550';
    this.onOutput = opts.onOutput;
    this.onLine = opts.onLine;
    this.log = opts.log;
  }

  /** Everything transmitted so far. */
  output(): string {
    return this.sent;
  }

  snapshot(): unknown {
    const { sent, line, divisor, ier, fcr, lcr, mcr, lsr, scr, rbr, thrPending } = this;
    const rx = [...this.rx];
    const state: Uart16550State = { sent, line, divisor, ier, fcr, lcr, mcr, lsr, scr, rbr, rx, thrPending };
    return state;
  }

  /** Puts the registers back without replaying output: `onOutput` and `onLine` saw those bytes. */
  restore(saved: unknown): void {
    const s = saved as Uart16550State;
    Object.assign(this, { ...s, rx: [...s.rx] });
  }

  /** Whether the interrupt line is raised (IIR bit 0 clear). */
  irqPending(): boolean {
    return this.interruptId() !== UART_IIR.NO_INT;
  }

  /** Bytes arriving on the line, for the guest to read from RBR (QEMU serial_receive1). */
  receive(data: string | Uint8Array): void {
    const bytes = typeof data === 'string' ? Array.from(data, (c) => c.charCodeAt(0) & 0xff) : data;
    for (const b of bytes) this.receiveByte(b);
  }

  /** Wider accesses reach the registers a byte at a time, as QEMU splits them (max_access_size 1). */
  read(port: number, size: PortSize): number {
    let value = 0;
    for (let i = 0; i < size; i++) value |= this.readRegister(port - this.base + i) << (8 * i);
    value >>>= 0;
    this.log?.push({ op: 'read', offset: port - this.base, size, value });
    return value;
  }

  write(port: number, size: PortSize, value: number): void {
    this.log?.push({ op: 'write', offset: port - this.base, size, value });
    for (let i = 0; i < size; i++) this.writeRegister(port - this.base + i, (value >>> (8 * i)) & 0xff);
  }

  private readRegister(reg: number): number {
    const dlab = (this.lcr & UART_LCR_DLAB) !== 0;
    switch (reg) {
      case UART_REG.RX:
        return dlab ? this.divisor & 0xff : this.readRbr();
      case UART_REG.IER:
        return dlab ? this.divisor >>> 8 : this.ier;
      case UART_REG.IIR:
        return this.readIir();
      case UART_REG.LCR:
        return this.lcr;
      case UART_REG.MCR:
        return this.mcr;
      case UART_REG.LSR:
        return this.readLsr();
      case UART_REG.MSR:
        return this.readMsr();
      case UART_REG.SCR:
        return this.scr;
      default:
        return 0xff; // past the UART's 8 ports: nothing drives the bus
    }
  }

  private writeRegister(reg: number, v: number): void {
    const dlab = (this.lcr & UART_LCR_DLAB) !== 0;
    switch (reg) {
      case UART_REG.TX:
        if (dlab) this.divisor = (this.divisor & 0xff00) | v;
        else this.transmit(v);
        return;
      case UART_REG.IER:
        if (dlab) {
          this.divisor = (this.divisor & 0x00ff) | (v << 8);
          return;
        }
        this.ier = v & 0x0f;
        // QEMU serial_ioport_write: enabling THRI while THR is empty raises it at once; Linux's
        // serial8250 start_tx relies on this.
        if (this.lsr & UART_LSR.THRE) this.thrPending = true;
        return;
      case UART_REG.FCR:
        this.writeFcr(v);
        return;
      case UART_REG.LCR:
        this.lcr = v;
        return;
      case UART_REG.MCR:
        this.mcr = v & 0x1f;
        return;
      case UART_REG.SCR:
        this.scr = v;
        return;
      default:
        return; // LSR and MSR are read-only; past the 8 ports nothing listens
    }
  }

  private transmit(byte: number): void {
    this.thrPending = false;
    if (this.mcr & UART_MCR.LOOP) {
      this.receiveByte(byte); // loopback: the transmitter feeds the receiver
    } else {
      const text = String.fromCharCode(byte);
      this.sent += text;
      this.onOutput?.(text);
      this.collectLine(text);
    }
    // QEMU serial_xmit: the byte is gone, THR and the shift register are empty, THRI is pending.
    this.lsr |= UART_LSR.THRE | UART_LSR.TEMT;
    this.thrPending = true;
  }

  private collectLine(text: string): void {
    if (text === '\n') {
      this.onLine?.(this.line);
      this.line = '';
    } else if (text !== '\r') {
      this.line += text;
    }
  }

  private receiveByte(byte: number): void {
    if (this.fifoEnabled()) {
      if (this.rx.length < FIFO_LENGTH) this.rx.push(byte);
      else this.lsr |= UART_LSR.OE; // overruns do not overwrite FIFO contents
    } else {
      if (this.lsr & UART_LSR.DR) this.lsr |= UART_LSR.OE;
      this.rbr = byte;
    }
    this.lsr |= UART_LSR.DR;
  }

  private readRbr(): number {
    if (this.fifoEnabled()) {
      const byte = this.rx.shift() ?? 0;
      if (this.rx.length === 0) this.lsr &= ~(UART_LSR.DR | UART_LSR.BI);
      return byte;
    }
    this.lsr &= ~(UART_LSR.DR | UART_LSR.BI);
    return this.rbr;
  }

  private readIir(): number {
    const id = this.interruptId();
    // Reading IIR acknowledges a THR-empty interrupt (16550A data sheet, table 4).
    if (id === UART_IIR.THRI) this.thrPending = false;
    return id | (this.fifoEnabled() ? UART_IIR.FIFO : 0);
  }

  private readLsr(): number {
    const value = this.lsr;
    this.lsr &= ~(UART_LSR.BI | UART_LSR.OE); // error bits clear on read
    return value;
  }

  /** In loopback the modem outputs drive the inputs: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD. */
  private readMsr(): number {
    if (!(this.mcr & UART_MCR.LOOP)) return this.msr;
    return ((this.mcr & 0x0c) << 4) | ((this.mcr & UART_MCR.RTS) << 3) | ((this.mcr & UART_MCR.DTR) << 5);
  }

  private writeFcr(v: number): void {
    if (v === this.fcr) return;
    // Toggling the FIFO enable flushes both FIFOs (QEMU serial_ioport_write).
    const toggled = (v ^ this.fcr) & UART_FCR.ENABLE_FIFO;
    if (toggled) v |= UART_FCR.CLEAR_RCVR | UART_FCR.CLEAR_XMIT;
    // Other FCR bits only take effect with FCR0 set, or on the write that toggles it (16550A data sheet).
    if (v & UART_FCR.CLEAR_RCVR && (toggled || v & UART_FCR.ENABLE_FIFO)) {
      this.rx = [];
      this.lsr &= ~UART_LSR.DR;
    }
    this.fcr = v & 0xc9;
  }

  /** QEMU serial_update_irq: the highest-priority pending source that IER enables. */
  private interruptId(): number {
    const rxCount = this.fifoEnabled() ? this.rx.length : this.lsr & UART_LSR.DR;
    if (this.ier & UART_IER.RLSI && this.lsr & LSR_INT_ANY) return UART_IIR.RLSI;
    if (this.ier & UART_IER.RDI && this.lsr & UART_LSR.DR) {
      const level = this.fifoEnabled()
        ? TRIGGER_LEVEL[(this.fcr & UART_FCR.TRIGGER_MASK) as keyof typeof TRIGGER_LEVEL]
        : 1;
      return rxCount >= level ? UART_IIR.RDI : UART_IIR.CTI;
    }
    if (this.ier & UART_IER.THRI && this.thrPending) return UART_IIR.THRI;
    return UART_IIR.NO_INT; // modem status never changes in this model, so MSI never fires
  }

  private fifoEnabled(): boolean {
    return (this.fcr & UART_FCR.ENABLE_FIFO) !== 0;
  }
}
