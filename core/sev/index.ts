export * from './event-injection.ts';
export * from './exit-codes.ts';
export * from './ghcb.ts';
export * from './ghcb-layout.ts';
export * from './hv-features.ts';
export * from './msr-protocol.ts';
export * from './results.ts';
export * from './termination.ts';
