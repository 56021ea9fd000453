import { shellQuote } from '../shell/shell-quote';

/**
 * What a crash can leave of a sandbox's disk in the disk folder: the image, its mount point (mounted or not), and
 * a loop device, which outlives a deleted image ("(deleted)" backing file) and so is found by its backing path,
 * not with `losetup -j`. Only `dockhand-*` names in the configured folder are ever looked at.
 */
export interface DiskLeftovers {
  /** Names (`dockhand-<instance>-<created36>-<random>`) with an image, a mount point or a loop device. */
  names: string[];
  /** Loop devices by the name of their backing image. */
  loops: Map<string, string[]>;
}

/** Prints `n <name>` per image or folder and `l <device> <name>` per loop device backed by a file of the folder. */
export function diskListingScript(dir: string): string {
  const d = shellQuote(dir);
  return `for f in ${d}/dockhand-*; do [ -e "$f" ] || continue; n=\${f##*/}; echo "n \${n%.img}"; done
losetup -n -l -O NAME,BACK-FILE 2>/dev/null | while read -r dev back rest; do case "$back" in ${d}/dockhand-*) b=\${back##*/}; echo "l $dev \${b%.img}";; esac; done
exit 0
`;
}

export function parseDiskLeftovers(out: string): DiskLeftovers {
  const names = new Set<string>();
  const loops = new Map<string, string[]>();
  for (const line of out.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'n' && f[1]?.startsWith('dockhand-')) names.add(f[1]);
    if (f[0] === 'l' && f[1]?.startsWith('/dev/loop') && f[2]?.startsWith('dockhand-')) {
      names.add(f[2]);
      loops.set(f[2], [...(loops.get(f[2]) ?? []), f[1]]);
    }
  }
  return { names: [...names].sort(), loops };
}
