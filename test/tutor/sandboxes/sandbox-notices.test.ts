import { ENGINE_LOST_DETAIL, STOPPED_AWAY_DETAIL } from '../../../src/sandbox';
import { sandboxNotice } from '../../../src/tutor/sandboxes/sandbox-notices';

describe('sandboxNotice: what a learner is told about their sandbox', () => {
  const key = 'T1:U1';

  it('names the disk size only when there is a disk cap', () => {
    const full = { type: 'disk-full', learnerKey: key, containerId: 'c1', detail: 'no space left on device' } as const;
    expect(sandboxNotice(full, { memoryMb: 1024, diskMb: 8192 })).toContain('disk is full (8 GiB)');
    expect(sandboxNotice(full, { memoryMb: 1024, diskMb: 0 })).toBe("Your sandbox's disk is full: `reset` or remove images (`$ docker system prune -af`).");
  });

  it('says nothing about events that are not news to the learner', () => {
    for (const type of ['created', 'adopted', 'removed', 'reaped', 'expired'] as const) expect(sandboxNotice({ type, learnerKey: key, containerId: 'c1' }, { memoryMb: 1024 })).toBeUndefined();
  });

  it('says why a learner waits: the host is full, or their workspace holds its whole share', () => {
    expect(sandboxNotice({ type: 'queued', learnerKey: key, position: 3 }, { memoryMb: 1024 })).toBe('All sandboxes are busy right now: you are number 3 in line. Your command will run as soon as one is free.');
    expect(sandboxNotice({ type: 'queued', learnerKey: key, position: 1, workspaceLimit: 24 }, { memoryMb: 1024 })).toBe(
      'Your workspace is using all 24 sandboxes it may have at once, so you are waiting for one of them to be free (number 1 in line). Your command will run as soon as one is free.',
    );
  });

  it('says plainly what an engine restart took (files) and kept (progress), apart from an ordinary crash', () => {
    const lost = sandboxNotice({ type: 'crashed', learnerKey: key, containerId: 'c1', detail: ENGINE_LOST_DETAIL }, { memoryMb: 1024 });
    expect(lost).toBe('Your sandbox was lost when the Docker engine restarted; your progress is kept, files in it are gone. Your next command gets a fresh one.');
    expect(sandboxNotice({ type: 'crashed', learnerKey: key, containerId: 'c1', detail: STOPPED_AWAY_DETAIL }, { memoryMb: 1024 })).toMatch(/^Your sandbox stopped while Dockhand was away .*files in it are gone\. Your next command gets a fresh one\.$/);
    expect(sandboxNotice({ type: 'crashed', learnerKey: key, containerId: 'c1', detail: 'exit code 137' }, { memoryMb: 1024 })).toMatch(/^Your sandbox stopped unexpectedly/);
  });
});
