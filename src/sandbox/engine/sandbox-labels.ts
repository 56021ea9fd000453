import { randomBytes } from 'node:crypto';

// The names a sandbox container carries: labels find, adopt and sweep it; the file and variable are its entrypoint's.
export const LABEL_APP = 'dockhand.app';
export const LABEL_LEARNER = 'dockhand.learner';
export const LABEL_CREATED = 'dockhand.created';
export const LABEL_INSTANCE = 'dockhand.instance';
export const LABEL_ROLE = 'dockhand.role';
export const READY_FILE = '/run/dockhand/ready';
export const MIRROR_ENV = 'DOCKHAND_REGISTRY_MIRROR';

/**
 * A sandbox's container name (its network's name derives from it). The random part matters: warm sandboxes all
 * have the empty learner key, and a class prepared at once starts several in the same millisecond (measured:
 * 30 at once gave "network ... is ambiguous (12 matches found on name)").
 */
export function sandboxName(instance: string, learnerKey: string, createdAt: number): string {
  const unique = `${createdAt.toString(36)}-${randomBytes(3).toString('hex')}`;
  return `dockhand-${sanitize(instance)}-${sanitize(learnerKey)}`.slice(0, 120 - unique.length - 1) + `-${unique}`;
}

export function sanitize(s: string): string {
  return s.replace(/[^a-zA-Z0-9_.-]+/g, '-').replace(/^[^a-zA-Z0-9]+/, '').slice(0, 60) || 'x';
}
