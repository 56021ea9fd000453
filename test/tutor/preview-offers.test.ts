import { mayPublishPort, previewOfferReply, PublishedPortMemory } from '../../src/tutor/preview-offers';

describe('preview offers after a chat command', () => {
  it('look for published ports only after commands that may publish one', () => {
    for (const c of ['docker run -d -p 8080:80 nginx', 'docker run -p8080:80 nginx', 'docker run -d -p 127.0.0.1:8080:80 nginx', 'docker run -P nginx', 'docker run --publish 80:80 nginx', 'docker compose up -d', 'docker-compose up']) {
      expect([c, mayPublishPort(c)]).toEqual([c, true]);
    }
    for (const c of ['docker ps', 'docker run hello-world', 'docker compose ps', 'echo -n hi']) expect([c, mayPublishPort(c)]).toEqual([c, false]);
  });

  it('offer each port once while it stays published', () => {
    const m = new PublishedPortMemory();
    expect(m.fresh('k', [8080])).toEqual([8080]);
    expect(m.fresh('k', [8080, 9000])).toEqual([9000]);
    expect(m.fresh('other', [8080])).toEqual([8080]);
    expect(m.fresh('k', [])).toEqual([]);
    expect(m.fresh('k', [8080])).toEqual([8080]);
  });

  it('never unfurl the single-use link', () => {
    const r = previewOfferReply([{ port: 8080, url: 'https://play.example.com/p/t?to=%2Fpreview%2F8080%2F' }]);
    expect(r.noUnfurl).toBe(true);
    expect(r.text).toContain('Port 8080 is published');
  });
});
