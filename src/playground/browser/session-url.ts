/**
 * A watch page (`/?watch=<learner>`: an admin watching a learner read-only) names its session on every request,
 * so the server reads the admin's watch cookie for that learner and never their own learner cookie (the two live
 * side by side). A learner's own page names nothing.
 */
const watched = new URLSearchParams(location.search).get('watch');

export function sessionUrl(path: string): string {
  return watched ? `${path}${path.includes('?') ? '&' : '?'}watch=${encodeURIComponent(watched)}` : path;
}
