export type { AccessLog, AccessRecord } from './access-log.ts';
export { CP437 } from './cp437.ts';
export { DEBUG_EXIT_PORT, DebugExit, type DebugExitOptions } from './debug-exit.ts';
export { DeviceError } from './device-error.ts';
export type { MmioDevice } from './mmio-device.ts';
export { PORT_SPACE, PortBus, type PortDevice, type PortSize } from './port-bus.ts';
export { RegfileDevice, type RegfileOptions } from './regfile-device.ts';
export {
  COM1,
  UART_FCR,
  UART_IER,
  UART_IIR,
  UART_LCR_DLAB,
  UART_LSR,
  UART_MCR,
  UART_MSR,
  UART_PORTS,
  UART_REG,
  Uart16550,
  type Uart16550Options,
} from './uart16550.ts';
export {
  VGA_COLUMNS,
  VGA_ROWS,
  VGA_SCREEN_BYTES,
  VGA_TEXT_BASE,
  VGA_TEXT_WINDOW,
  VgaText,
  type VgaTextOptions,
} from './vga-text.ts';
