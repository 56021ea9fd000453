import { parseListing } from '../../../src/sandbox/files/sandbox-files';

const rec = (...r: string[]) => Buffer.from(r.map((x) => `${x}\0`).join(''));

describe('parseListing: a sandbox listing, parsed strictly', () => {
  it('reads files, folders and links with what they lead to', () => {
    const { entries, truncated } = parseListing(rec('ff\t12\tapp.py', 'dd\t4096\tsite', 'ld\t4\tetc-link', 'lN\t7\tdangling', 'ss\t0\tsock'), 10);
    expect(truncated).toBe(false);
    expect(entries).toEqual([
      { name: 'app.py', type: 'file', size: 12 },
      { name: 'site', type: 'dir', size: 4096 },
      { name: 'etc-link', type: 'link', target: 'dir', size: 4 },
      { name: 'dangling', type: 'link', target: 'broken', size: 7 },
      { name: 'sock', type: 'other', size: 0 },
    ]);
  });

  it('keeps names with tabs and new lines, drops records a sandbox forged', () => {
    const { entries } = parseListing(rec('ff\t1\ta\tb', 'ff\t1\tline\nbreak', 'ff\t1\t../../etc/passwd', 'ff\t1\t..', 'ff\tx\tbad-size', 'garbage', 'ff\t1\t'), 10);
    expect(entries.map((e) => e.name)).toEqual(['a\tb', 'line\nbreak']);
  });

  it('says when there were more entries than asked for', () => {
    const { entries, truncated } = parseListing(rec('ff\t1\ta', 'ff\t1\tb', 'ff\t1\tc'), 2);
    expect(entries.map((e) => e.name)).toEqual(['a', 'b']);
    expect(truncated).toBe(true);
  });
});
