import type { Attack } from './attack';

/**
 * The host's disk through the sandbox's: past the cap with unwritten extents (fallocate), and a write-delete
 * churn whose freed blocks the loop mount's discard punches back out of the host file.
 */
export const DISK_ATTACKS: Attack[] = [
  { name: 'fallocate -l 200G past the disk cap (300 MiB)', command: 'fallocate -l 200G /root/big; rm -f /root/big', expect: (r) => /disk is full/.test(r.notices?.join(' ') ?? '') || /No space left/.test(r.output) },
  {
    name: 'write 200 MiB and delete it, 3 times (discard churn)',
    command: 'for i in 1 2 3; do dd if=/dev/zero of=/root/churn bs=1M count=200 status=none && sync && rm /root/churn && sync; done; echo churned',
    expect: (r) => r.output.includes('churned'),
  },
];
