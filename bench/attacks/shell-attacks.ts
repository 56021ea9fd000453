import type { Attack } from './attack';

/** The learner's terminal and process lineage: writers that leave the shell's session, stray protocol bytes. */
export const SHELL_ATTACKS: Attack[] = [
  {
    name: '`setsid` writer flooding the terminal, left running',
    command: "setsid sh -c 'while :; do echo flood; done' & sleep 4; echo left",
    expect: (r) => /left running by this command (was|were) ended/.test(r.notices?.join(' ') ?? ''),
  },
  {
    name: 'stray marker start before the end marker',
    command: 'echo survived; printf "\\033]7770;garbage"; printf "\\033]7770;"',
    expect: (r) => r.output.includes('survived') && !r.timedOut,
  },
];
