import type { Attack } from './attack';
import { CHECK_ATTACKS } from './check-attacks';
import { RESOURCE_ATTACKS } from './resource-attacks';

export type { Attack } from './attack';

/** Every attack the isolation bench runs, in order; each file holds one family. */
export const ATTACKS: Attack[] = [...RESOURCE_ATTACKS, ...CHECK_ATTACKS];
