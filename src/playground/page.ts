/** The playground's one page: static (no learner data in it); the script fills it from /api/step and the terminal socket. */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Dockhand playground</title>
<link rel="stylesheet" href="/assets/playground.css">
</head>
<body>
<main>
  <section id="step">
    <div id="lesson">Loading…</div>
    <h1 id="step-title"></h1>
    <div id="step-body"></div>
    <button id="check" type="button" disabled>Check</button>
    <button id="hint" type="button" disabled>Hint</button>
    <div id="said" role="status"></div>
  </section>
  <section id="right">
    <div id="status" role="status">Loading…</div>
    <nav id="previews" aria-label="Port previews" hidden></nav>
    <div id="terminal"></div>
  </section>
</main>
<script src="/assets/playground.js"></script>
</body>
</html>
`;

/** The answer to a link that cannot be used; says what to do, never why in detail (no oracle for a guesser). */
export const LINK_REFUSED_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dockhand playground</title></head>
<body><p>This playground link has expired or was already used.</p>
<p>Type <code>playground</code> in your direct message with Dockhand for a new one.</p></body></html>
`;
