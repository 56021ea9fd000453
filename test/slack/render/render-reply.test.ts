import { clip, escapeMrkdwn, MARKDOWN_MAX, renderReply, TEXT_MAX } from '../../../src/slack/render/render-reply';
import { channelToken, dateToken, userToken } from '../../../src/tutor/reply';

type AnyBlock = { type: string; text?: { type: string; text: string } | string; elements?: Record<string, unknown>[] };

describe('escapeMrkdwn', () => {
  it('escapes the three characters Slack treats as control characters, & first', () => {
    expect(escapeMrkdwn('a < b && c > d')).toBe('a &lt; b &amp;&amp; c &gt; d');
    // An entity typed by the learner stays visible as typed.
    expect(escapeMrkdwn('&lt;')).toBe('&amp;lt;');
  });

  it("turns the tutor's user, channel and date tokens into Slack's own, and nothing typed into a mention", () => {
    expect(escapeMrkdwn(`${userToken('U123ABC')} won in ${channelToken('C0GENERAL')}`)).toBe('<@U123ABC> won in <#C0GENERAL>');
    // Shown in each reader's time zone, with the UTC time as the fallback; sub-second parts are dropped.
    expect(escapeMrkdwn(`ends ${dateToken(new Date(Date.UTC(2025, 0, 6, 14, 5, 59, 900)))}`)).toBe('ends <!date^1736172359^{time}|14:05 UTC>');
    expect(escapeMrkdwn('<@U123> <!channel>')).toBe('&lt;@U123&gt; &lt;!channel&gt;');
    // Tokens with ids that are not Slack ids stay text.
    expect(escapeMrkdwn('{{user:bob}} {{channel:general}}')).toBe('{{user:bob}} {{channel:general}}');
    // The old token syntax, typed by a learner with real ids, stays text too.
    expect(escapeMrkdwn('{{user:U123ABC}} {{channel:C0GENERAL}} {{date:1736172359}}')).toBe('{{user:U123ABC}} {{channel:C0GENERAL}} {{date:1736172359}}');
  });

  it('drops stray token delimiters instead of letting them pair up with typed text', () => {
    expect(escapeMrkdwn(`${userToken('U1').slice(0, -1)} user:U2${userToken('U3').slice(-1)}`)).not.toContain('<@U2>');
  });
});

describe('clip', () => {
  it('keeps text up to the limit and marks a cut with an ellipsis, within the limit', () => {
    expect(clip('abcdef', 6)).toBe('abcdef');
    expect(clip('abcdefg', 6)).toBe('abcde…');
    expect(clip('abcdefg', 6)).toHaveLength(6);
  });
});

describe('renderReply', () => {
  it('shows the text as a section when the reply has neither sections nor markdown', () => {
    const r = renderReply({ text: 'Hello <you>' });
    expect(r.text).toBe('Hello &lt;you&gt;');
    expect(r.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: 'Hello &lt;you&gt;' } }]);
  });

  it('renders sections, then the markdown body, then the context line, then the buttons', () => {
    const r = renderReply({
      text: 'fallback',
      sections: ['*one*', 'two'],
      markdown: '**Step**\n\nRun `docker ps`',
      context: 'small print',
      buttons: [
        { label: 'Check', actionId: 'tutor:check', value: 'l:s', style: 'primary' },
        { label: 'Hint', actionId: 'tutor:hint' },
      ],
    });
    expect((r.blocks as AnyBlock[]).map((b) => b.type)).toEqual(['section', 'section', 'markdown', 'context', 'actions']);
    expect((r.blocks[2] as AnyBlock).text).toBe('**Step**\n\nRun `docker ps`');
    expect((r.blocks[3] as AnyBlock).elements).toEqual([{ type: 'mrkdwn', text: 'small print' }]);
    expect((r.blocks[4] as AnyBlock).elements).toEqual([
      { type: 'button', text: { type: 'plain_text', text: 'Check' }, action_id: 'tutor:check', style: 'primary', value: 'l:s' },
      { type: 'button', text: { type: 'plain_text', text: 'Hint' }, action_id: 'tutor:hint' },
    ]);
    expect(r.text).toBe('fallback');
  });

  it('leaves out the text section when a markdown body stands for it', () => {
    const r = renderReply({ text: 'Lesson intro', markdown: 'Welcome' });
    expect((r.blocks as AnyBlock[]).map((b) => b.type)).toEqual(['markdown']);
  });

  it('puts at most 25 buttons in an actions block', () => {
    const r = renderReply({ text: 'many', buttons: Array.from({ length: 30 }, (_, i) => ({ label: `b${i}`, actionId: `a${i}`, value: String(i) })) });
    const actions = (r.blocks as AnyBlock[]).filter((b) => b.type === 'actions');
    expect(actions.map((a) => a.elements!.length)).toEqual([25, 5]);
    expect(actions[1]!.elements![0]).toMatchObject({ action_id: 'a25', value: '25' });
  });

  it('clips the text, a long markdown body and button values to Slack limits', () => {
    const r = renderReply({ text: 'x'.repeat(10_000), markdown: 'm'.repeat(20_000), buttons: [{ label: 'L'.repeat(100), actionId: 'a', value: 'v'.repeat(3000) }] });
    expect(r.text).toHaveLength(TEXT_MAX);
    expect(((r.blocks[0] as AnyBlock).text as string).length).toBe(MARKDOWN_MAX);
    const button = (r.blocks[1] as AnyBlock).elements![0] as { text: { text: string }; value: string };
    expect(button.text.text).toHaveLength(75);
    expect(button.value).toHaveLength(2000);
  });

  it('escapes learner text in sections and context but not in the markdown body', () => {
    const r = renderReply({ text: 't', sections: ['<!here>'], markdown: 'a <b>', context: 'x & y' });
    expect(JSON.stringify(r.blocks)).toContain('&lt;!here&gt;');
    expect((r.blocks[1] as AnyBlock).text).toBe('a <b>');
    expect((r.blocks[2] as AnyBlock).elements![0]).toEqual({ type: 'mrkdwn', text: 'x &amp; y' });
  });

  it('shows plain paragraphs as plain_text sections: no mrkdwn, link or mention, stray token delimiters dropped', () => {
    const { text, blocks } = renderReply({ text: 'Not done yet: *x* <!channel>', sections: ['Finish this step first (or `skip` it).'], plain: ['Not done yet: *x* <!channel> \uE100user:U1\uE101'] });
    expect(blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'Finish this step first (or `skip` it).' } });
    expect(blocks[1]).toEqual({ type: 'section', text: { type: 'plain_text', text: 'Not done yet: *x* <!channel> user:U1', emoji: true } });
    expect(text).not.toContain('<!channel>');
    expect(renderReply({ text: 't', plain: ['p'] }).blocks).toHaveLength(1);
  });
});
