import { MIRROR_CONTAINER, mirrorContainerFor } from '../../src/images';

describe('the mirror decision', () => {
  it('sandboxes join the built-in read-only mirror unless the operator brought a mirror', () => {
    expect(mirrorContainerFor(undefined)).toBe(MIRROR_CONTAINER);
    expect(mirrorContainerFor('')).toBe(MIRROR_CONTAINER);
    expect(mirrorContainerFor('http://10.9.8.7:5000')).toBeUndefined();
  });
});
