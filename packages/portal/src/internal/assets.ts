/**
 * The two static assets every page shares: the style sheet (system colours for dark and
 * light, a single column at 360 px, a side column from 900 px) and the catalog page's search
 * script (vanilla JavaScript, no framework; reads the prebuilt index, keeps the filter in the
 * URL, and inserts catalog values with `textContent` only).
 */

/** `assets/portal.css`. */
export const css = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--accent:#0a58ca;--warn-bg:#fff4d6;--warn:#7a4a00;--bad-bg:#ffe3e3;--bad:#8a1116;--ok:#116329;--code:#f6f8fa}
@media (prefers-color-scheme:dark){:root{--bg:#0f1216;--fg:#e6edf3;--muted:#9aa6b2;--line:#30363d;--accent:#79b8ff;--warn-bg:#3a2a00;--warn:#ffd27a;--bad-bg:#4a1215;--bad:#ffb3b8;--ok:#7ee2a0;--code:#161b22}}
*{box-sizing:border-box}
html{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
body{margin:0}
a{color:var(--accent)}
a:focus-visible,button:focus-visible,input:focus-visible,summary:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:var(--bg);padding:4px 8px;z-index:2}
header.site{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;padding:.75rem 1rem;border-bottom:1px solid var(--line)}
header.site .brand{font-weight:700;text-decoration:none;color:var(--fg)}
header.site nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:0;padding:0}
main{padding:1rem;max-width:1400px;margin:0 auto}
h1{font-size:1.6rem;margin:.25rem 0 .5rem;overflow-wrap:anywhere}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
h3{font-size:1rem;margin:1rem 0 .25rem}
p,li,dd{overflow-wrap:anywhere}td{overflow-wrap:break-word}
.muted{color:var(--muted)}
.badge{display:inline-block;border:1px solid var(--line);border-radius:999px;padding:0 .5rem;font-size:.85rem;margin-right:.25rem}
.finding{border-left:4px solid var(--warn);background:var(--warn-bg);padding:.5rem .75rem;margin:.5rem 0}
.finding.bad{border-color:var(--bad);background:var(--bad-bg)}
.ok{color:var(--ok)}
.table-wrap{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600}
dl.meta{display:grid;grid-template-columns:minmax(7rem,max-content) 1fr;gap:.25rem 1rem;margin:0}
dl.meta dt{color:var(--muted)}dl.meta dd{margin:0}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9rem}
pre{background:var(--code);padding:.75rem;overflow:auto;border-radius:6px;max-height:40rem}
.hl-key{color:#a626a4}.hl-str{color:#50a14f}.hl-num{color:#986801}.hl-com{color:var(--muted);font-style:italic}
@media (prefers-color-scheme:dark){.hl-key{color:#d2a8ff}.hl-str{color:#a5d6ff}.hl-num{color:#ffa657}}
.layout{display:grid;gap:1rem}.layout>*{min-width:0}
@media (min-width:900px){.layout{grid-template-columns:16rem 1fr}}
fieldset{border:1px solid var(--line);border-radius:6px;margin:0 0 .75rem;padding:.25rem .75rem .5rem;max-height:16rem;overflow:auto}
legend{font-weight:600;padding:0 .25rem}
fieldset label{display:flex;gap:.4rem;align-items:baseline;font-size:.92rem}
.search input{width:100%;font:inherit;padding:.5rem;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
button{font:inherit;padding:.3rem .75rem;border:1px solid var(--line);border-radius:6px;background:var(--code);color:var(--fg);cursor:pointer}
svg.graph{max-width:100%;height:auto;border:1px solid var(--line);border-radius:6px}
svg.graph text{fill:var(--fg);font-size:12px}
svg.graph rect{fill:var(--code);stroke:var(--line)}
svg.graph .self rect{stroke:var(--accent);stroke-width:2}
svg.graph line{stroke:var(--muted)}
svg.graph a:focus rect{stroke:var(--accent);stroke-width:3}
.op{border:1px solid var(--line);border-radius:6px;padding:.5rem .75rem;margin:.5rem 0}
.method{font-weight:700;text-transform:uppercase;margin-right:.5rem}
footer{padding:1rem;color:var(--muted);font-size:.85rem;border-top:1px solid var(--line)}
`

/**
 * `assets/search.js`: instant search and facets over `window.PAVED_INDEX`
 * (`{ f: { kind: [...], owner: [...], ... }, e: [[ref, title, description, kind, owner,
 * lifecycle, system, [tags]], ...] }`, facet values as indexes into `f`).
 */
export const searchScript = `(function(){"use strict";
var X=window.PAVED_INDEX;if(!X)return;
var F=["kind","owner","lifecycle","system","tag"],COL={kind:3,owner:4,lifecycle:5,system:6};
var form=document.getElementById("search"),q=document.getElementById("q"),facets=document.getElementById("facets"),tbody=document.getElementById("rows"),status=document.getElementById("count"),more=document.getElementById("more");
if(!form||!q||!facets||!tbody)return;
form.hidden=false;facets.hidden=false;
var hay=X.e.map(function(r){return (r[0]+" "+r[1]+" "+r[2]).toLowerCase()});
var sel={};F.forEach(function(f){sel[f]=new Set()});var limit=200;
function path(ref){var c=ref.indexOf(":"),s=ref.indexOf("/",c+1);var k=ref.slice(0,c),n=s<0?"default":ref.slice(c+1,s),m=s<0?ref.slice(c+1):ref.slice(s+1);return "entity/"+[k,n,m].map(function(x){return encodeURIComponent(x.toLowerCase())}).join("/")+".html"}
function val(r,f,i){return f==="tag"?r[7].indexOf(i)>=0:r[COL[f]]===i}
function readUrl(){var p=new URLSearchParams(location.search);q.value=p.get("q")||"";F.forEach(function(f){sel[f]=new Set();p.getAll(f).forEach(function(v){var i=X.f[f].indexOf(v);if(i>=0)sel[f].add(i)})})}
function writeUrl(){var p=new URLSearchParams();if(q.value)p.set("q",q.value);F.forEach(function(f){sel[f].forEach(function(i){p.append(f,X.f[f][i])})});var s=p.toString();history.replaceState(null,"",s?"?"+s:location.pathname)}
function matches(skip){var terms=q.value.toLowerCase().split(/\\s+/).filter(Boolean);var out=[];
for(var j=0;j<X.e.length;j++){var r=X.e[j],h=hay[j],ok=true;for(var t=0;t<terms.length&&ok;t++)ok=h.indexOf(terms[t])>=0;
for(var k=0;k<F.length&&ok;k++){var f=F[k];if(f===skip||sel[f].size===0)continue;var any=false;sel[f].forEach(function(i){if(val(r,f,i))any=true});ok=any}
if(ok)out.push(j)}return out}
function el(tag,text){var e=document.createElement(tag);if(text!=null)e.textContent=text;return e}
function renderFacets(){facets.textContent="";F.forEach(function(f){var counts=new Map();matches(f).forEach(function(j){var r=X.e[j];if(f==="tag")r[7].forEach(function(i){counts.set(i,(counts.get(i)||0)+1)});else if(r[COL[f]]>=0)counts.set(r[COL[f]],(counts.get(r[COL[f]])||0)+1)});
var fs=el("fieldset");fs.appendChild(el("legend",f));var ids=Array.from(new Set(Array.from(counts.keys()).concat(Array.from(sel[f])))).sort(function(a,b){return (counts.get(b)||0)-(counts.get(a)||0)||(X.f[f][a]<X.f[f][b]?-1:1)}).slice(0,60);
if(ids.length===0)fs.appendChild(el("span","none")).className="muted";
ids.forEach(function(i){var l=el("label"),c=document.createElement("input");c.type="checkbox";c.name=f;c.value=X.f[f][i];c.checked=sel[f].has(i);c.addEventListener("change",function(){if(c.checked)sel[f].add(i);else sel[f].delete(i);update()});l.appendChild(c);l.appendChild(el("span",X.f[f][i]));l.appendChild(el("span","("+(counts.get(i)||0)+")")).className="muted";fs.appendChild(l)});facets.appendChild(fs)})}
function cell(tr,text,href){var td=el("td");if(href){var a=el("a",text);a.href=href;td.appendChild(a)}else td.textContent=text;tr.appendChild(td)}
function renderRows(){var m=matches(null);tbody.textContent="";var frag=document.createDocumentFragment();
m.slice(0,limit).forEach(function(j){var r=X.e[j],tr=el("tr");cell(tr,r[1],path(r[0]));cell(tr,X.f.kind[r[3]]);cell(tr,r[4]>=0?X.f.owner[r[4]]:"");cell(tr,r[5]>=0?X.f.lifecycle[r[5]]:"");cell(tr,r[6]>=0?X.f.system[r[6]]:"");cell(tr,r[2]);frag.appendChild(tr)});
tbody.appendChild(frag);status.textContent=m.length+" of "+X.e.length+" entities"+(m.length>limit?" (showing "+limit+")":"");if(more)more.hidden=m.length<=limit}
function update(){limit=200;writeUrl();renderFacets();renderRows()}
var timer;q.addEventListener("input",function(){clearTimeout(timer);timer=setTimeout(update,60)});
form.addEventListener("submit",function(e){e.preventDefault();update()});
if(more)more.addEventListener("click",function(){limit+=500;renderRows()});
window.addEventListener("popstate",function(){readUrl();renderFacets();renderRows()});
readUrl();renderFacets();renderRows();
document.addEventListener("keydown",function(e){if(e.key==="/"&&document.activeElement!==q){e.preventDefault();q.focus()}});
})();
`
