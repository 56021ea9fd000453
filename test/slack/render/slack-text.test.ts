import { decodeSlackText, escapeSlackText } from '../../../src/slack/render/slack-text';
import { encodeLikeSlack } from '../../../src/slack/stand-in/encode-like-slack';

describe('decodeSlackText', () => {
  it.each([
    ['$ echo hi &gt; f &amp;&amp; cat f', '$ echo hi > f && cat f'],
    ['$ curl <http://localhost:8080>', '$ curl http://localhost:8080'],
    ['$ curl <http://example.com|example.com>/x', '$ curl example.com/x'],
    ['mail <mailto:ana@example.com|ana@example.com>', 'mail ana@example.com'],
    ['hi <@U123ABC> and <@U9|bob>', 'hi @U123ABC and @bob'],
    ['see <#C42|general> <#C43>', 'see #general #C43'],
    ['<!here> <!channel> <!everyone>', '@here @channel @everyone'],
    ['<!subteam^S1|@devs> at <!date^1392734382^{date}|Feb 18>', '@devs at Feb 18'],
    ['a &amp;lt; b', 'a &lt; b'],
    ['```\ncat &lt;&lt;EOF &gt; x\nhi\nEOF\n```', '```\ncat <<EOF > x\nhi\nEOF\n```'],
    ['`docker run -p 8080:80 nginx`', '`docker run -p 8080:80 nginx`'],
  ])('%j decodes to what was typed', (slack, typed) => {
    expect(decodeSlackText(slack)).toBe(typed);
  });
});

describe('encodeLikeSlack (the stand-in) and decodeSlackText round trip', () => {
  it.each([
    ['$ echo hi > f && cat f', '$ echo hi &gt; f &amp;&amp; cat f'],
    ['$ curl http://localhost:8080/a?b=1', '$ curl <http://localhost:8080/a?b=1>'],
    ['$ curl example.com', '$ curl <http://example.com|example.com>'],
    ['write to ana@example.com', 'write to <mailto:ana@example.com|ana@example.com>'],
    ['@here look', '<!here> look'],
    ['$ cat <<EOF\n<b>&amp;</b>\nEOF', '$ cat &lt;&lt;EOF\n&lt;b&gt;&amp;amp;&lt;/b&gt;\nEOF'],
  ])('%j is delivered as %j', (typed, slack) => {
    expect(encodeLikeSlack(typed)).toBe(slack);
    expect(decodeSlackText(encodeLikeSlack(typed))).toBe(typed);
  });

  it.each([
    '$ docker run -d -p 8080:80 --name web nginx && curl -s localhost:8080 | grep -i "<title>"',
    "$ printf 'a&b<c>d' > f; cat f",
    '$ docker inspect -f "{{.Config.Image}}" web',
    '$ echo "x" 2>&1 >/dev/null | tee out.txt',
    '$ curl --retry 5 --retry-connrefused http://127.0.0.1:5000/ && echo ok',
  ])('round-trips shell text byte for byte: %s', (typed) => {
    expect(decodeSlackText(encodeLikeSlack(typed))).toBe(typed);
  });
});

describe('escapeSlackText', () => {
  it('neutralises mentions and entities a learner typed, so the bot never expands them', () => {
    expect(escapeSlackText('<!here> <@U1> a & b')).toBe('&lt;!here&gt; &lt;@U1&gt; a &amp; b');
    expect(decodeSlackText(escapeSlackText('<!here> & <x>'))).toBe('<!here> & <x>');
  });
});
