/**
 * The bash scripts behind the playground's file API, run in the learner's sandbox by fileExec. Paths and numbers
 * arrive as positional arguments ("$1"...), never spliced into the text; `--` ends options before every path.
 * Exit codes name what went wrong (FILE_EXIT); file contents go to stdout only, never to stderr.
 */

export const FILE_EXIT = {
  notFound: 10,
  notDir: 11,
  isDir: 12,
  notFile: 13,
  tooBig: 14,
  exists: 15,
  writeFailed: 16,
  brokenOff: 17,
} as const;

const exists = (v: string) => `{ [ -e "${v}" ] || [ -L "${v}" ]; }`;

/** $1 dir, $2 max entries: `<type><target type>\t<size>\t<name>\0` per entry (find's %y%Y: f, d, l, ...; N a broken link). */
export const LIST_SCRIPT = `[ -e "$1" ] || exit ${FILE_EXIT.notFound}
[ -d "$1" ] || exit ${FILE_EXIT.notDir}
cd -- "$1" || exit ${FILE_EXIT.notDir}
find . -mindepth 1 -maxdepth 1 -printf '%y%Y\\t%s\\t%f\\0' 2>/dev/null | head -z -n "$2"`;

/** $1 path: `<file|dir|other>\t<size>` (of the target, through symlinks). */
export const STAT_SCRIPT = `[ -e "$1" ] || exit ${FILE_EXIT.notFound}
if [ -d "$1" ]; then t=dir; elif [ -f "$1" ]; then t=file; else t=other; fi
s=$(stat -L -c %s -- "$1") || exit ${FILE_EXIT.notFound}
printf '%s\\t%s' "$t" "$s"`;

/** $1 path, $2 cap: the file's bytes; larger than the cap: its size on stderr and exit tooBig, nothing read. */
export const READ_SCRIPT = `[ -e "$1" ] || exit ${FILE_EXIT.notFound}
[ -d "$1" ] && exit ${FILE_EXIT.isDir}
[ -f "$1" ] || exit ${FILE_EXIT.notFile}
s=$(stat -L -c %s -- "$1") || exit ${FILE_EXIT.notFound}
[ "$s" -le "$2" ] || { printf '%s' "$s" >&2; exit ${FILE_EXIT.tooBig}; }
exec head -c "$2" -- "$1"`;

/**
 * $1 path, $2 byte count, $3 `create` (refuse an existing name) or `replace`, $4 `parents` to make missing
 * folders first. Reads exactly $2 bytes from stdin
 * into a temporary file beside the target, then moves it over the target: an upload that breaks off leaves the old
 * file as it was. A symlink is written through (its target is replaced); a replaced file keeps its mode.
 */
export const WRITE_SCRIPT = `if [ "$4" = parents ]; then mkdir -p -- "$(dirname -- "$1")" 2>/dev/null; fi
[ -d "$1" ] && exit ${FILE_EXIT.isDir}
[ -d "$(dirname -- "$1")" ] || exit ${FILE_EXIT.notFound}
if [ "$3" = create ] && ${exists('$1')}; then exit ${FILE_EXIT.exists}; fi
dest=$1
if [ -L "$1" ]; then r=$(readlink -f -- "$1") && [ -n "$r" ] && dest=$r; fi
[ -d "$dest" ] && exit ${FILE_EXIT.isDir}
t=$(dirname -- "$dest")/.dockhand-upload.$$
trap 'rm -f -- "$t"' EXIT
head -c "$2" > "$t" || exit ${FILE_EXIT.writeFailed}
[ "$(stat -c %s -- "$t")" = "$2" ] || exit ${FILE_EXIT.brokenOff}
if [ -f "$dest" ]; then chmod --reference="$dest" -- "$t" 2>/dev/null; fi
mv -f -T -- "$t" "$dest" || exit ${FILE_EXIT.writeFailed}
trap - EXIT`;

/** $1 path: a new, empty folder. */
export const MKDIR_SCRIPT = `if ${exists('$1')}; then exit ${FILE_EXIT.exists}; fi
[ -d "$(dirname -- "$1")" ] || exit ${FILE_EXIT.notFound}
mkdir -- "$1" || exit ${FILE_EXIT.writeFailed}`;

/** $1 from, $2 to (a free name in an existing folder). */
export const RENAME_SCRIPT = `${exists('$1')} || exit ${FILE_EXIT.notFound}
if ${exists('$2')}; then exit ${FILE_EXIT.exists}; fi
[ -d "$(dirname -- "$2")" ] || exit ${FILE_EXIT.notFound}
mv -T -- "$1" "$2" || exit ${FILE_EXIT.writeFailed}`;

/** $1 path: a file, a symlink (not its target) or a folder with everything in it. */
export const REMOVE_SCRIPT = `${exists('$1')} || exit ${FILE_EXIT.notFound}
rm -rf -- "$1" || exit ${FILE_EXIT.writeFailed}`;
