import type { Attack } from './attack';

/** Resource exhaustion inside the attacker's own limits: disk, processes, memory, CPU, leftovers, the network. */
export const RESOURCE_ATTACKS: Attack[] = [
  { name: 'dd past the disk cap (300 MiB)', command: 'dd if=/dev/zero of=/root/big bs=1M count=400 status=none; rm -f /root/big', expect: (r) => /disk is full/.test(r.notices?.join(' ') ?? '') || /No space left/.test(r.output) },
  { name: 'fork bomb (pids 256)', command: 'bomb(){ bomb | bomb & }; bomb; sleep 3', expect: (r) => /too many processes/.test(r.notices?.join(' ') ?? '') },
  { name: 'memory hog (512 MiB limit)', command: 'head -c 2000m /dev/zero | tail > /dev/null', expect: (r) => r.exitCode === 137 },
  { name: 'CPU burn, 2 busy loops for 6 s (1 CPU limit)', command: 'timeout 6 sh -c "while :; do :; done" & timeout 6 sh -c "while :; do :; done"; wait', expect: (r) => r.exitCode !== null },
  { name: '`sleep infinity &` left behind, then busy for 4 s', command: 'sleep infinity & timeout 4 sh -c "while :; do :; done"; echo left', expect: (r) => /background process/.test(r.notices?.join(' ') ?? '') },
  { name: 'connects to the bystander sandbox (blocked), 200 tries', command: 'for i in $(seq 200); do timeout 0.2 bash -c "echo > /dev/tcp/$PEER/80" 2>/dev/null; done; echo tried', expect: (r) => r.output.includes('tried') },
];
