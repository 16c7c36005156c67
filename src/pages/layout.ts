/**
 * The frame every run page shares: a phone-first layout (no horizontal scrolling at
 * 390 px: long lines wrap, code included), the styles and, on a live page, the small
 * script that polls for new entries. Both carry the response's CSP nonce; nothing else
 * may run or style the page.
 */
import { Html, html } from "./html.ts";

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;background:#fff}
main{max-width:60rem;margin:0 auto;padding:.75rem}
h1{font-size:1.3rem;margin:.25rem 0 .5rem;overflow-wrap:anywhere}
h2{font-size:1.1rem;margin:1.25rem 0 .5rem;border-bottom:1px solid #d1d9e0;padding-bottom:.25rem}
a{color:#0969da}
pre,.text{white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word;max-width:100%}
pre{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;background:#f6f8fa;padding:.5rem;border-radius:6px;margin:.25rem 0}
.text{margin:.25rem 0}
.meta{color:#59636e;font-size:.9rem;overflow-wrap:anywhere}
.badge{display:inline-block;padding:0 .5rem;border-radius:1rem;font-size:.85rem;font-weight:600;background:#eaeef2}
.succeeded{background:#dafbe1;color:#1a7f37}.failed,.interrupted{background:#ffebe9;color:#cf222e}.running,.queued{background:#fff8c5;color:#9a6700}.cancelled{background:#eaeef2}
ol.timeline{list-style:none;padding:0;margin:0}
ol.timeline>li{border-left:3px solid #d1d9e0;padding:.25rem 0 .5rem .6rem;margin:0 0 .5rem}
li.model-turn{border-color:#8250df}li.tool-result{border-color:#0969da}li.error{border-color:#cf222e}li.steering{border-color:#bf8700}li.test-run{border-color:#1a7f37}
details>summary{cursor:pointer;overflow-wrap:anywhere}
.add{color:#1a7f37;background:#dafbe1}.del{color:#cf222e;background:#ffebe9}.hunk{color:#8250df}
ul.plan{padding-left:1.2rem}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.2rem .4rem;border-bottom:1px solid #eaeef2;overflow-wrap:anywhere}
.signin{display:inline-block;padding:.6rem 1rem;background:#1f883d;color:#fff;border-radius:6px;text-decoration:none;font-weight:600}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin:.5rem 0}form.filters label{display:flex;flex-direction:column;font-size:.9rem;max-width:100%}form.filters input,form.filters select,form.filters button{font:inherit;padding:.3rem;max-width:100%}
ul.shares{list-style:none;padding:0;margin:0}ul.shares li{margin:.2rem 0}ul.shares meter{width:6rem;vertical-align:middle}
form.inline{display:inline}form.inline button{background:none;border:0;color:#0969da;padding:0;font:inherit;cursor:pointer;text-decoration:underline}
`;

/** Polls `data-src` for entries after `data-after` and appends them; reloads once the run ended. */
const LIVE_SCRIPT = `
(function(){
  var live=document.getElementById("live");if(!live||!window.fetch)return;
  var list=document.getElementById("timeline");var after=live.getAttribute("data-after");
  function tick(){
    fetch(live.getAttribute("data-src")+"?after="+encodeURIComponent(after),{credentials:"same-origin",headers:{accept:"application/json"}})
      .then(function(r){if(!r.ok)throw new Error(String(r.status));return r.json();})
      .then(function(d){
        if(d.html){list.insertAdjacentHTML("beforeend",d.html);}
        after=String(d.after);live.textContent=d.status;
        if(d.active){setTimeout(tick,2000);}else{location.reload();}
      })
      .catch(function(){setTimeout(tick,5000);});
  }
  setTimeout(tick,2000);
})();
`;

export interface PageInput {
  title: string;
  nonce: string;
  body: Html;
  /** A running job's page: polls with the script, or refreshes itself without JavaScript. */
  live?: boolean;
  /** The signed-in user, shown with a sign-out button. */
  user?: string | null;
}

export function page(input: PageInput): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${input.title} · Droid</title>
${input.live ? html`<noscript><meta http-equiv="refresh" content="15"></noscript>` : ""}
<style nonce="${input.nonce}">${new Html(STYLE)}</style>
</head>
<body>
<main>
${input.user ? html`<p class="meta">Signed in as ${input.user} · <form class="inline" method="post" action="/runs/sign-out"><button type="submit">sign out</button></form></p>` : ""}
${input.body}
</main>
${input.live ? html`<script nonce="${input.nonce}">${new Html(LIVE_SCRIPT)}</script>` : ""}
</body>
</html>
`.toString();
}
