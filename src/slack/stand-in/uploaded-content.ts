/**
 * A file's content after one POST to its upload URL (files.getUploadURLExternal), as Slack stores it:
 * multipart parts are appended, a form's `body`/`content` field or a raw body replaces it.
 */
export async function uploadedContent(current: string, contentType: string, raw: Buffer): Promise<string> {
  if (contentType.startsWith('multipart/form-data')) {
    let content = current;
    const form = await new Request('http://stand-in/', { method: 'POST', headers: { 'content-type': contentType }, body: raw }).formData();
    for (const [, value] of form) content += typeof value === 'string' ? value : await value.text();
    return content;
  }
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    const params = new URLSearchParams(raw.toString('utf8'));
    return params.get('body') ?? params.get('content') ?? raw.toString('utf8');
  }
  return raw.toString('utf8');
}
