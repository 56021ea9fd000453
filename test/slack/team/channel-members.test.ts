import { parseChannelArg } from '../../../src/slack/team/channel-members';

describe('the channel of /tutor report', () => {
  it('reads a picked channel, an id, or a typed #name; anything else is not a channel', () => {
    expect(parseChannelArg('<#C0123ABC|workshop>')).toEqual({ id: 'C0123ABC' });
    expect(parseChannelArg('<#G0123ABC>')).toEqual({ id: 'G0123ABC' });
    expect(parseChannelArg('C0123ABC')).toEqual({ id: 'C0123ABC' });
    expect(parseChannelArg(' #docker-101 ')).toEqual({ name: 'docker-101' });
    expect(parseChannelArg('workshop')).toEqual({ name: 'workshop' });
    expect(parseChannelArg('#Two Words')).toBeUndefined();
    expect(parseChannelArg('<@U0123>')).toBeUndefined();
  });
});
