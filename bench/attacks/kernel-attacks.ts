import type { Attack } from './attack';

/**
 * add_key (syscall 248 on x86_64) into the user keyring (-4) in a loop: every sandbox is one host uid under
 * --userns-remap, so a loop that succeeds fills the quota every learner's containers need. The sandbox's seccomp
 * profile refuses the call (ENOSYS): the loop stops at its first key and says so. Prints `added <n> keys` or
 * `add_key refused after <n> keys: <error>`.
 */
function addKeyLoop(count: number, payloadBytes: number): string {
  const body = [
    `my ($t, $p, $n) = ("user", "x" x ${payloadBytes}, 0);`,
    `for my $i (1..${count}) { my $d = "dockhand-$i"; if (syscall(248, $t, $d, $p, length($p), -4) < 0) { print "add_key refused after $n keys: $!\\n"; exit 1 } $n++ }`,
    'print "added $n keys\\n";',
  ].join(' ');
  return `perl -e '${body}'`;
}

/** The count quota (one-byte keys up to the kernel's 20000 the README raises it to) and the byte quota (30 kB keys). */
export const KEY_COUNT_LOOP = addKeyLoop(20000, 1);
export const KEY_BYTES_LOOP = addKeyLoop(70, 30000);

const refused = (r: { output: string }) => /add_key refused after 0 keys/.test(r.output);

/** The shared kernel key quota, from inside a sandbox. */
export const KERNEL_ATTACKS: Attack[] = [
  { name: 'add_key loop, one-byte keys up to the count quota (refused by seccomp)', command: KEY_COUNT_LOOP, expect: refused },
  { name: 'add_key loop, 30 kB keys up to the byte quota (refused by seccomp)', command: KEY_BYTES_LOOP, expect: refused },
];
