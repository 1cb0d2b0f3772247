import { Box, Text } from 'ink';
import type { Session } from '../session.ts';

/** One status line: the machine, the negotiated protocol, the instruction count. */
export function Header({ session, width }: { session: Session; width: number }) {
  const m = session.machine;
  const sev = m.config.sev === 'es' ? 'SEV-ES' : 'no SEV';
  const neg = m.kernel.negotiated;
  const hv = m.config.hypervisor;
  const proto =
    m.config.sev === 'es'
      ? `  GHCB ${neg ? `v${neg.version}` : 'not negotiated'} (hv ${hv.protocolMin}..${hv.protocolMax})`
      : '';
  const state = m.hv.terminated ? '  TERMINATED' : session.busy ? '  running... (Ctrl+C stops)' : '';
  return (
    <Box width={width} height={1}>
      <Text bold inverse wrap="truncate-end">
        {` sevlab repl  ${m.vcpus.length} vCPUs  ${sev}${proto}  icount ${m.instructions}${state}`.padEnd(
          width,
        )}
      </Text>
    </Box>
  );
}
