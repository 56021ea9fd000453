import type { Attack } from './attack';
import { CHECK_ATTACKS } from './check-attacks';
import { CHURN_ATTACKS } from './churn-attacks';
import { KERNEL_ATTACKS } from './kernel-attacks';
import { RESOURCE_ATTACKS } from './resource-attacks';
import { DISK_ATTACKS } from './disk-attacks';
import { SHELL_ATTACKS } from './shell-attacks';

export type { Attack } from './attack';

/** Every attack the isolation bench runs, in order; each file holds one family. */
export const ATTACKS: Attack[] = [...RESOURCE_ATTACKS, ...DISK_ATTACKS, ...KERNEL_ATTACKS, ...SHELL_ATTACKS, ...CHECK_ATTACKS, ...CHURN_ATTACKS];
