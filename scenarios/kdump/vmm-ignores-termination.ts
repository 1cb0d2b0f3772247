/**
 * A hostile VMM for scenarios: it answers the guest's GHCB_MSR_TERM_REQ by resuming the guest
 * instead of stopping it (KVM would exit to user space with KVM_SYSTEM_EVENT_SEV_TERM).
 */
import { definePlugin, GHCB_MSR } from '../../core/index.ts';

export default definePlugin({
  name: 'vmm-ignores-termination',
  setup(api) {
    api.onMsrProtocol(
      { code: GHCB_MSR.TERM_REQ, name: 'termination request resumed', handle: () => null },
      { override: true },
    );
  },
});
