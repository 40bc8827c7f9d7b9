/**
 * The page's one style sheet, inlined and allowed by its hash in the Content-Security-Policy.
 * Single column below 600 px; visible focus for keyboard users; colours with at least 4.5:1
 * contrast on white; state is never told by colour alone (each state has its words).
 */
export const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:1rem/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1c1c1c;background:#fff}
a{color:#0b57a4}
a:focus-visible,button:focus-visible{outline:3px solid #0b57a4;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;padding:.5rem;background:#fff}
.skip:focus{left:.5rem}
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between;padding:.75rem 1rem;border-bottom:1px solid #d0d0d0}
header p{margin:0;font-weight:600}
header form{display:inline}
main{max-width:52rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;margin:.5rem 0}
h2{font-size:1.2rem;margin:0}
ul.connections{list-style:none;margin:1rem 0;padding:0;display:grid;gap:1rem}
article{border:1px solid #c4c4c4;border-radius:.5rem;padding:1rem}
.desc{margin:.25rem 0 0;color:#4a4a4a}
.state{margin:.75rem 0;font-weight:600}
.state-connected{color:#1e6b2e}
.state-not-connected{color:#4a4a4a}
.state-reconnect-needed,.state-expired,.state-unreadable{color:#a4171b}
.problem{margin:.25rem 0 .75rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:.5rem 0 1rem}
dt{color:#4a4a4a}
dd{margin:0;overflow-wrap:anywhere}
button,.button{font:inherit;padding:.5rem 1rem;border-radius:.375rem;border:2px solid #0b57a4;background:#0b57a4;color:#fff;cursor:pointer;min-height:44px;text-decoration:none;display:inline-block}
button.secondary{background:#fff;color:#0b57a4}
.notice{padding:.75rem 1rem;border-radius:.375rem;margin:1rem 0;border:2px solid}
.notice-ok{border-color:#1e6b2e}
.notice-problem{border-color:#a4171b}
code{background:#f0f0f0;padding:0 .2em}
.actions{display:flex;flex-wrap:wrap;gap:.75rem}
.actions form{margin:0}
@media (max-width:600px){dl{grid-template-columns:1fr}dd{margin-bottom:.5rem}h1{font-size:1.35rem}}
`;
