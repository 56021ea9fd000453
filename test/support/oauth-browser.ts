/**
 * What a browser does in Slack's OAuth v2 install: open the app's /slack/install page (it sets the state
 * cookie and links to Slack's authorize page), "Allow" on Slack's page (the stand-in redirects at once,
 * with a code and the state), then follow the redirect back to the app with the cookie.
 */
export interface InstallPage {
  status: number;
  /** Slack's authorize URL the page links to. */
  authorizeUrl: string;
  /** `name=value` of the state cookie the page set. */
  cookie: string;
}

export interface Answer {
  status: number;
  body: string;
}

const TIMEOUT = () => AbortSignal.timeout(10_000);

export async function openInstallPage(installUrl: string): Promise<InstallPage> {
  const res = await fetch(installUrl, { signal: TIMEOUT() });
  const body = await res.text();
  const href = /href="([^"]*oauth\/v2\/authorize[^"]*)"/.exec(body)?.[1];
  if (!href) throw new Error(`no authorize link on the install page (${res.status}): ${body.slice(0, 200)}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return { status: res.status, authorizeUrl: href.replace(/&amp;/g, '&'), cookie };
}

/** Slack's authorize page in `teamId`: the Location it redirects the browser to. */
export async function allowOnSlack(authorizeUrl: string, teamId: string, user = 'U0INSTALLER'): Promise<string> {
  const url = new URL(authorizeUrl);
  url.searchParams.set('team', teamId);
  url.searchParams.set('user', user);
  const res = await fetch(url, { redirect: 'manual', signal: TIMEOUT() });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new Error(`authorize page answered ${res.status}: ${await res.text()}`);
  return location;
}

export async function getPage(url: string, cookie?: string): Promise<Answer> {
  const res = await fetch(url, { headers: cookie ? { cookie } : {}, redirect: 'manual', signal: TIMEOUT() });
  return { status: res.status, body: await res.text() };
}

/** The whole install of the app into one workspace; resolves with the redirect's answer. */
export async function installInto(installUrl: string, teamId: string): Promise<Answer> {
  const page = await openInstallPage(installUrl);
  const back = await allowOnSlack(page.authorizeUrl, teamId);
  return getPage(back, page.cookie);
}
